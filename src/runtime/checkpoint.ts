/**
 * What a checkpoint holds: source positions, every step's snapshot (watermarks, windows, timers, join
 * buffers) and the keyed state, taken at one barrier so they agree with each other. JSON-serialisable, so a
 * durable store can commit it in one transaction and a new job can resume from it.
 */
import type { StateSnapshot } from "../state/state-backend.js";

export interface Checkpoint {
  readonly id: number;
  readonly pipeline: string;
  /** Reader position per source step id. */
  readonly sources: Record<string, unknown>;
  /** Snapshot per step id. */
  readonly steps: Record<string, unknown>;
  /**
   * The state backend's contents, when the checkpoint carries them. Absent when the job commits checkpoints
   * itself (`onCheckpoint`): a durable backend writes what changed and reloads it on its own.
   */
  readonly state?: StateSnapshot;
  /** Taken after every source ended and everything fired: the run is complete. */
  readonly final?: boolean;
}
