/**
 * The state-backend contract: per-step, per-name tables of per-key values, with snapshot and restore.
 * Memory is the default; the embedded store implements the same contract durably, and every implementation
 * runs the conformance suite in `state-backend-conformance.ts`.
 */
export interface StateTable<V> {
  get(key: unknown): V | undefined;
  set(key: unknown, value: V): void;
  delete(key: unknown): void;
  has(key: unknown): boolean;
  /** Every key with a value, in insertion order. */
  keys(): IterableIterator<unknown>;
  readonly size: number;
}

export interface StateBackend {
  /** The table holding state `name` of step `stepId` (created empty on first use). */
  table<V>(stepId: string, name: string): StateTable<V>;
  /** Everything, as a JSON-serialisable value. */
  snapshot(): StateSnapshot;
  /** Replaces everything with a snapshot's contents. */
  restore(snapshot: StateSnapshot): void;
}

/** Tables as `[stepId, name, entries]` with entries as `[key, value]` pairs. */
export type StateSnapshot = Array<[string, string, Array<[unknown, unknown]>]>;
