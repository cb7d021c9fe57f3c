/**
 * Per-key state handles for `process` steps: value, map and list state, each scoped to the key of the record
 * (or timer) being handled. Backed by the pipeline's state backend, so it is checkpointed with everything else.
 */
import type { StateTable } from "../state/state-backend.js";

export interface ValueState<V> {
  get(): V | undefined;
  set(value: V): void;
  clear(): void;
}

export interface MapState<MK, V> {
  get(mapKey: MK): V | undefined;
  set(mapKey: MK, value: V): void;
  delete(mapKey: MK): void;
  has(mapKey: MK): boolean;
  entries(): IterableIterator<[MK, V]>;
  readonly size: number;
  clear(): void;
}

export interface ListState<V> {
  /** The list (empty when nothing was added); do not change it in place, use add/set. */
  get(): readonly V[];
  add(value: V): void;
  set(values: V[]): void;
  clear(): void;
}

/** Supplies the key the handles are scoped to. */
export interface CurrentKey {
  readonly currentKey: unknown;
}

export class ValueStateHandle<V> implements ValueState<V> {
  constructor(
    private readonly table: StateTable<V>,
    private readonly scope: CurrentKey,
  ) {}
  get(): V | undefined {
    return this.table.get(this.scope.currentKey);
  }
  set(value: V): void {
    this.table.set(this.scope.currentKey, value);
  }
  clear(): void {
    this.table.delete(this.scope.currentKey);
  }
}

const EMPTY: never[] = [];

export class MapStateHandle<MK, V> implements MapState<MK, V> {
  constructor(
    private readonly table: StateTable<Map<MK, V>>,
    private readonly scope: CurrentKey,
  ) {}
  private map(create: boolean): Map<MK, V> | undefined {
    let m = this.table.get(this.scope.currentKey);
    if (m === undefined && create) {
      m = new Map();
      this.table.set(this.scope.currentKey, m);
    }
    return m;
  }
  get(mapKey: MK): V | undefined {
    return this.map(false)?.get(mapKey);
  }
  set(mapKey: MK, value: V): void {
    const m = this.map(true)!;
    m.set(mapKey, value);
    this.table.set(this.scope.currentKey, m); // write through, so durable backends see the change
  }
  delete(mapKey: MK): void {
    const m = this.map(false);
    if (m === undefined) return;
    m.delete(mapKey);
    if (m.size === 0) this.table.delete(this.scope.currentKey);
    else this.table.set(this.scope.currentKey, m);
  }
  has(mapKey: MK): boolean {
    return this.map(false)?.has(mapKey) ?? false;
  }
  entries(): IterableIterator<[MK, V]> {
    return (this.map(false) ?? new Map<MK, V>()).entries();
  }
  get size(): number {
    return this.map(false)?.size ?? 0;
  }
  clear(): void {
    this.table.delete(this.scope.currentKey);
  }
}

export class ListStateHandle<V> implements ListState<V> {
  constructor(
    private readonly table: StateTable<V[]>,
    private readonly scope: CurrentKey,
  ) {}
  get(): readonly V[] {
    return this.table.get(this.scope.currentKey) ?? EMPTY;
  }
  add(value: V): void {
    const list = this.table.get(this.scope.currentKey);
    if (list === undefined) this.table.set(this.scope.currentKey, [value]);
    else {
      list.push(value);
      this.table.set(this.scope.currentKey, list); // write through, so durable backends see the change
    }
  }
  set(values: V[]): void {
    if (values.length === 0) this.table.delete(this.scope.currentKey);
    else this.table.set(this.scope.currentKey, values.slice());
  }
  clear(): void {
    this.table.delete(this.scope.currentKey);
  }
}
