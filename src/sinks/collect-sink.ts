/**
 * A sink that keeps everything in memory: the test sink. Guarantee: at-least-once within one process run.
 */
import type { Sink } from "./sink.js";

export class CollectSink<T> implements Sink<T> {
  readonly kind = "collect";
  /** The records received, in order. */
  readonly items: T[] = [];
  /** Their event times, parallel to `items`. */
  readonly times: number[] = [];
  ended = false;

  write(items: readonly T[], times: readonly number[]): void {
    for (let i = 0; i < items.length; i++) {
      this.items.push(items[i]!);
      this.times.push(times[i]!);
    }
  }

  end(): void {
    this.ended = true;
  }
}

/** A sink that collects records in memory, e.g. `const out = collect<Row>(); stream.to(out); … out.items`. */
export function collect<T>(): CollectSink<T> {
  return new CollectSink<T>();
}
