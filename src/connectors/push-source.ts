/**
 * A source that the caller feeds while the job runs: `push` records into a partition, `end()` to finish.
 * Used by tests to interleave input with clock moves and checkpoints, and by in-process producers.
 */
import type { Source, SourceBatch, SourceReader } from "./source.js";

export class PushSource<T> implements Source<T> {
  readonly kind = "push";
  private readonly queue: Array<SourceBatch<T> | null> = [];
  private waiting: ((b: SourceBatch<T> | null) => void) | undefined;
  private ended = false;
  private pushed = 0;

  constructor(readonly partitions = 1) {}

  /** Queues records for partition `partition`, with event times if given. */
  push(items: T[], options: { times?: number[]; partition?: number } = {}): this {
    if (this.ended) throw new Error("push after end(): this source has already ended");
    const batch: SourceBatch<T> = {
      partition: options.partition ?? 0,
      items,
      ...(options.times === undefined ? {} : { times: options.times }),
    };
    this.deliver(batch);
    return this;
  }

  /** Ends the input: once processed, the watermark becomes +Infinity and everything fires. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.deliver(null);
  }

  open(): SourceReader<T> {
    return {
      next: () => {
        const b = this.queue.shift();
        if (b !== undefined) {
          if (b !== null) this.pushed++;
          return b;
        }
        return new Promise<SourceBatch<T> | null>((resolve) => {
          this.waiting = resolve;
        });
      },
      position: () => this.pushed,
    };
  }

  private deliver(batch: SourceBatch<T> | null): void {
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      if (batch !== null) this.pushed++;
      waiting(batch);
    } else {
      this.queue.push(batch);
    }
  }
}

/** A source fed by the caller, e.g. `const src = pushSource<Reading>(); src.push([r1, r2], { times: [t1, t2] })`. */
export function pushSource<T>(partitions = 1): PushSource<T> {
  return new PushSource<T>(partitions);
}
