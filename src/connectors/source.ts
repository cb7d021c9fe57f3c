/**
 * The source contract. A source has a fixed number of partitions; its reader hands the runtime batches,
 * each from one partition, and can say where it is (for checkpoints) and resume from there.
 */
import type { Clock } from "../core/clock.js";

export interface SourceBatch<T> {
  /** Which of the source's partitions these records come from (0-based). */
  readonly partition: number;
  readonly items: T[];
  /** Timestamps the source knows (e.g. ingest time); when absent the runtime uses the clock's now(). */
  readonly times?: number[];
}

export interface SourceContext {
  readonly clock: Clock;
  /** Name the pipeline gave the source, for errors and metrics. */
  readonly stepId: string;
  /** Position to resume from, as returned earlier by `SourceReader.position()`, or undefined to start fresh. */
  readonly resumeFrom?: unknown;
}

export interface SourceReader<T> {
  /** The next batch, or null once the input has ended. May be a promise when data is not there yet. */
  next(): SourceBatch<T> | null | Promise<SourceBatch<T> | null>;
  /** Where the reader is, after the last batch it returned: JSON-serialisable, given back as `resumeFrom`. */
  position(): unknown;
  close?(): void | Promise<void>;
}

export interface Source<T> {
  /** What kind of system this reads, e.g. "generator", "collection", "http". */
  readonly kind: string;
  /** Number of partitions; watermarks are tracked per partition. */
  readonly partitions: number;
  open(context: SourceContext): SourceReader<T>;
}
