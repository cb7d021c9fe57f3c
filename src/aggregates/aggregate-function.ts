/**
 * The aggregate contract: create / read / add / merge / result. Adding a record is two calls: `read` runs the
 * user's code on the record (a selector) and checks what it returned, then `add` folds that value into an
 * accumulator. A window reads a record for every aggregate of its step before it adds to any, so a record on
 * which user code throws counts in none of them. Accumulators are mergeable, so sliding windows (panes) and
 * session windows (merges) stay cheap. `add` may update the accumulator in place or return a new one; callers
 * always keep what it returns.
 */
export interface AggregateFunction<T, Acc, R, V = T> {
  /** Short name for errors and docs, e.g. "count". */
  readonly kind: string;
  /** A fresh, empty accumulator. */
  create(): Acc;
  /**
   * What `add` needs from one record (with its event time), e.g. the selected field. Throws for a record the
   * aggregate cannot count (the selector threw, or returned a value the aggregate refuses); changes nothing.
   * Absent for aggregates that run no user code and refuse no record: `add` then gets the record itself.
   */
  read?(record: T, time: number): V;
  /** Adds one value `read` returned (with its record's event time) and returns the accumulator to keep. Never throws. */
  add(acc: Acc, value: V, time: number): Acc;
  /** Combines two accumulators into one (either may be reused). */
  merge(a: Acc, b: Acc): Acc;
  /** The value to emit for an accumulator. Must not change the accumulator. */
  result(acc: Acc): R;
  /** An independent copy of an accumulator (used when one accumulator must feed several windows). */
  clone(acc: Acc): Acc;
  /** JSON-serialisable form of an accumulator, for checkpoints. */
  snapshot(acc: Acc): unknown;
  /** Rebuilds an accumulator from `snapshot`'s output. */
  restore(saved: unknown): Acc;
}

/** A named set of aggregates, e.g. `{ n: count(), avgTemp: avg((r) => r.temp) }`. */
// biome-ignore lint/suspicious/noExplicitAny: the accumulator, result and value types vary per entry
export type AggregateSpec<T> = Record<string, AggregateFunction<T, any, any, any>>;

/** The row type an AggregateSpec produces: one field per entry, holding that aggregate's result. */
export type AggregateResults<S> = {
  // biome-ignore lint/suspicious/noExplicitAny: inferred per entry
  [K in keyof S]: S[K] extends AggregateFunction<any, any, infer R, any> ? R : never;
};

/**
 * Adds one record to an accumulator outside a window (reads it, then adds what was read), e.g.
 * `acc = addRecord(avg((r) => r.temp), acc, reading, time)`. Throws what `read` throws, before `acc` changes.
 */
export function addRecord<T, Acc, V>(
  fn: AggregateFunction<T, Acc, unknown, V>,
  acc: Acc,
  record: T,
  time: number,
): Acc {
  return fn.add(acc, fn.read === undefined ? (record as unknown as V) : fn.read(record, time), time);
}
