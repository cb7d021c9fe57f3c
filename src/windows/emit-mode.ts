/**
 * Emit modes of window steps. `final`: one result per key and window when the watermark passes the window's
 * end (plus an update whenever a late record within the allowed lateness changes it). `updates`: a result
 * after every batch that changes a key's window (upserts keyed by key + window).
 */
export type EmitMode = "final" | "updates";

export interface WindowStepOptions {
  /** How long after a window fired a late record may still update it (ms). */
  readonly allowedLateness: number;
  readonly emit: EmitMode;
}
