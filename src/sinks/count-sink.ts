/**
 * A sink that only counts what reaches it (a black hole), for benchmarks that measure the pipeline itself.
 */
import type { Sink } from "./sink.js";

export class CountSink<T> implements Sink<T> {
  readonly kind = "count";
  /** Records received so far. */
  count = 0;
  write(items: readonly T[]): void {
    this.count += items.length;
  }
}

/** A sink that discards records and counts them, e.g. `const n = discard(); s.to(n); … n.count`. */
export function discard<T>(): CountSink<T> {
  return new CountSink<T>();
}
