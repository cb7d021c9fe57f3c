/**
 * Runs a named set of aggregates side by side over one accumulator array, and builds the result rows
 * `{ key, windowStart, windowEnd, ...results }` that window steps emit. A record is added in two steps:
 * `read` runs every aggregate's user code on it (selectors, checks) and keeps what they returned, and only
 * then `addRead` changes accumulators. A record on which user code throws is therefore counted by none of
 * the set's aggregates, and the window step can send it to the dead-letter ledger before touching its state.
 */
import type { AggregateFunction, AggregateSpec } from "../aggregates/aggregate-function.js";

/** What a window aggregate emits: the key, the window, and one field per aggregate. */
export type WindowResult<K, R> = { key: K; windowStart: number; windowEnd: number } & R;

export class AggregateSet<T> {
  private readonly names: string[];
  // biome-ignore lint/suspicious/noExplicitAny: accumulators differ per aggregate
  private readonly fns: AggregateFunction<T, any, any, any>[];
  /** Each aggregate's `read` (null when it has none) and `add`, bound to the aggregate once. */
  private readonly readers: Array<((record: T, time: number) => unknown) | null>;
  private readonly adders: Array<(acc: unknown, value: unknown, time: number) => unknown>;
  /** What each aggregate's `read` returned for the record read last (the record itself when it has none). */
  private readonly values: unknown[];

  constructor(spec: AggregateSpec<T>) {
    this.names = Object.keys(spec);
    this.fns = this.names.map((n) => spec[n]!);
    this.readers = this.fns.map((fn) => (fn.read === undefined ? null : fn.read.bind(fn)));
    this.adders = this.fns.map((fn) => fn.add.bind(fn));
    this.values = new Array(this.fns.length).fill(undefined);
    for (const reserved of ["key", "windowStart", "windowEnd"]) {
      if (this.names.includes(reserved)) {
        throw new RangeError(
          `aggregate name "${reserved}" is reserved for the result row; pick another name`,
        );
      }
    }
  }

  create(): unknown[] {
    const fns = this.fns;
    const accs = new Array(fns.length);
    for (let i = 0; i < fns.length; i++) accs[i] = fns[i]!.create();
    return accs;
  }

  /** Runs every aggregate's user code on `record`; throws what it threw, having changed no accumulator. */
  read(record: T, time: number): void {
    const readers = this.readers;
    const values = this.values;
    for (let i = 0; i < readers.length; i++) {
      const read = readers[i];
      values[i] = read ? read(record, time) : record;
    }
  }

  /** Adds the record last `read` (with its event time) to `accs`. */
  addRead(accs: unknown[], time: number): void {
    const adders = this.adders;
    const values = this.values;
    for (let i = 0; i < adders.length; i++) accs[i] = adders[i]!(accs[i], values[i], time);
  }

  /** Merges `from` into `into` (which it changes). */
  merge(into: unknown[], from: unknown[]): void {
    const fns = this.fns;
    for (let i = 0; i < fns.length; i++) into[i] = fns[i]!.merge(into[i], fns[i]!.clone(from[i]));
  }

  clone(accs: unknown[]): unknown[] {
    const fns = this.fns;
    const copy = new Array(fns.length);
    for (let i = 0; i < fns.length; i++) copy[i] = fns[i]!.clone(accs[i]);
    return copy;
  }

  row(key: unknown, windowStart: number, windowEnd: number, accs: unknown[]): Record<string, unknown> {
    const row: Record<string, unknown> = { key, windowStart, windowEnd };
    const fns = this.fns;
    for (let i = 0; i < fns.length; i++) row[this.names[i]!] = fns[i]!.result(accs[i]);
    return row;
  }

  snapshot(accs: unknown[]): unknown[] {
    return accs.map((a, i) => this.fns[i]!.snapshot(a));
  }

  restore(saved: unknown[]): unknown[] {
    return saved.map((s, i) => this.fns[i]!.restore(s));
  }
}
