/**
 * The aggregate contract: create / add / merge / result. Accumulators are mergeable, so sliding windows
 * (panes) and session windows (merges) stay cheap. `add` may update the accumulator in place or return a new
 * one; callers always keep what it returns.
 */
export interface AggregateFunction<T, Acc, R> {
  /** Short name for errors and docs, e.g. "count". */
  readonly kind: string;
  /** A fresh, empty accumulator. */
  create(): Acc;
  /** Adds one record (with its event time) and returns the accumulator to keep. */
  add(acc: Acc, record: T, time: number): Acc;
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
// biome-ignore lint/suspicious/noExplicitAny: the accumulator and result types vary per entry
export type AggregateSpec<T> = Record<string, AggregateFunction<T, any, any>>;

/** The row type an AggregateSpec produces: one field per entry, holding that aggregate's result. */
export type AggregateResults<S> = {
  // biome-ignore lint/suspicious/noExplicitAny: inferred per entry
  [K in keyof S]: S[K] extends AggregateFunction<any, any, infer R> ? R : never;
};
