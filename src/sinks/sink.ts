/**
 * The sink contract: where a stream's records leave the pipeline. Writes arrive batch by batch, in order;
 * `close` is awaited when the job ends. Each sink documents its delivery guarantee.
 */
import type { ViewWriter } from "./view-writer.js";

export interface SinkContext {
  /** Id of the sink step, for errors and metrics. */
  readonly stepId: string;
  /** Where view sinks write their rows. */
  readonly views: ViewWriter;
}

export interface Sink<T> {
  /** What kind of sink this is, e.g. "collect", "stdout", "ndjson-file". */
  readonly kind: string;
  open?(context: SinkContext): void;
  /** Takes records with their event times. Must not keep the arrays (copy what you keep). */
  write(items: readonly T[], times: readonly number[]): void;
  /** Called once the input has ended, before close. */
  end?(): void;
  /**
   * Called at each checkpoint, after every record before its barrier was written: make those writes durable
   * (flush) and return what recovery needs (e.g. a file length), stored in the checkpoint.
   */
  checkpoint?(): unknown;
  /**
   * Called when a job resumes from a checkpoint, before any write, with what `checkpoint()` returned then:
   * undo anything written after it (e.g. truncate a file), so output is exactly-once.
   */
  recover?(saved: unknown): void;
  close?(): void | Promise<void>;
}
