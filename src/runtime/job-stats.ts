/**
 * What a running job tells about itself, for metrics, the server's `/v1/pipelines` and dashboards: per-step
 * counts, watermarks and processing time, per-source positions and backpressure, checkpoints, and the job's
 * state. The runtime keeps these per batch (never per record), so reading them costs the hot path nothing.
 *
 * Durations (processing, backpressure, checkpoint) are measured on the monotonic performance clock: they
 * measure the machine's work, not processing time. Times of day (`startedAt`, a checkpoint's `at`) come from
 * the job's injected clock.
 */
import type { EdgeKind } from "./step-node.js";

/** `stopped`: ended by `job.stop()` (a cancel), neither completed nor failed. */
export type JobState = "running" | "completed" | "failed" | "stopped";

export interface StepStatus {
  readonly id: string;
  readonly verb: string;
  readonly recordsIn: number;
  readonly recordsOut: number;
  /** Current watermark (ms), null while undefined, "+inf" after end of input. */
  readonly watermark: number | null | "+inf";
  readonly ended: boolean;
}

export interface StepStats extends StepStatus {
  /** The steps feeding this one, and whether each edge carries the upstream's output or its late records. */
  readonly inputs: readonly { readonly step: string; readonly edge: EdgeKind }[];
  /**
   * Milliseconds spent in this step's operator (batches, watermarks, timers, end of input), excluding the
   * time of the downstream steps it called.
   */
  readonly processingMs: number;
}

export interface SourceStats {
  /** The source step's id. */
  readonly step: string;
  /** The connector's kind, e.g. "stored-stream", "generator". */
  readonly kind: string;
  /** The stored stream it reads, or null for other sources. */
  readonly stream: string | null;
  /** Position after the last batch handed to processing (for stored streams: the next offset), or null. */
  readonly position: unknown;
  /**
   * Watermark (ms) of the event-time step(s) this source feeds (the minimum if several), null while undefined
   * or when no step downstream generates watermarks, "+inf" after end of input.
   */
  readonly watermark: number | null | "+inf";
  /** Milliseconds the source's reader waited for room in the full channel (backpressure), ongoing wait included. */
  readonly blockedMs: number;
}

/** A checkpoint that committed: what checkpoint listeners are told and `stats().checkpoints.last` holds. */
export interface CommittedCheckpoint {
  readonly id: number;
  /** Taken after every source ended and everything fired. */
  readonly final: boolean;
  /** Reader position per source step id, as committed. */
  readonly sources: Readonly<Record<string, unknown>>;
  /** When it committed, on the job's clock (ms since the epoch). */
  readonly at: number;
  /** From its barrier entering the channel to the end of its commit (`onCheckpoint` returning), in ms. */
  readonly durationMs: number;
  /** Bytes the commit wrote, when `onCheckpoint` said (the embedded store does), else null. */
  readonly bytes: number | null;
}

export interface CheckpointStats {
  /** Checkpoints committed by this job (not counting those of a run it resumed from). */
  readonly count: number;
  readonly last: CommittedCheckpoint | null;
  /** The configured interval between checkpoints (ms), null when they are only taken on demand. */
  readonly intervalMs: number | null;
  /** `idleCheckpointPause` (ms): checkpoints also follow once the job caught up; null when off. */
  readonly idlePauseMs: number | null;
}

export interface JobStats {
  readonly pipeline: string;
  readonly state: JobState;
  /** The failure's message when `state` is "failed", else null. */
  readonly error: string | null;
  /** When the job started, on its clock (ms since the epoch). */
  readonly startedAt: number;
  /** Every step, in the pipeline's order (upstream before downstream). */
  readonly steps: readonly StepStats[];
  readonly sources: readonly SourceStats[];
  readonly checkpoints: CheckpointStats;
}

/** Told of each committed checkpoint, synchronously, in the task loop: keep it short. */
export type CheckpointListener = (checkpoint: CommittedCheckpoint) => void;

/** What `onCheckpoint` may return about its commit. */
export interface CheckpointReceipt {
  /** Bytes the commit wrote. */
  readonly bytes: number;
}

/** A watermark as reported: null while undefined, "+inf" after end of input. */
export function reportedWatermark(watermark: number): number | null | "+inf" {
  if (watermark === Number.POSITIVE_INFINITY) return "+inf";
  if (watermark === Number.NEGATIVE_INFINITY) return null;
  return watermark;
}
