/**
 * The source contract. A source has a fixed number of partitions; its reader hands the runtime batches,
 * each from one partition, and can say where it is (for checkpoints) and resume from there.
 */
import type { Clock } from "../core/clock.js";
import type { StreamLog } from "../store/stream-log.js";
import type { LogStart } from "./stream-log-source.js";

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
  /** The embedded store's stream logs, when the job runs with a data directory (stored streams read them). */
  readonly log?: StreamLog;
  /** Where stored streams start when not resuming (replay and backfill), default "start". */
  readonly logStart?: LogStart;
  /** Stored streams end at the log's end as of the job's start instead of following live (backfill only). */
  readonly logStopAtEnd?: boolean;
  /** Sources reading history report how far they are: `position` of `end` (e.g. offsets). */
  readonly progress?: (stepId: string, position: number, end: number) => void;
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
  /** The stored stream it reads, if it reads one (for lag and end-to-end latency metrics). */
  readonly stream?: string;
  /** Number of partitions; watermarks are tracked per partition. */
  readonly partitions: number;
  open(context: SourceContext): SourceReader<T>;
}
