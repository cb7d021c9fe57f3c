/**
 * Runs a pipeline durably on the embedded store: it resumes from the pipeline's last checkpoint, and every
 * checkpoint (default: each second) commits in ONE SQLite transaction the source positions, every step's
 * snapshot, the keyed state that changed, the view rows and the dead letters produced since the previous one.
 * After a crash (kill -9) the job restarts from that commit, so views and sinks end as if it never stopped.
 */
import type { Pipeline } from "../dataflow/pipeline.js";
import type { Checkpoint } from "../runtime/checkpoint.js";
import type { Job, RunOptions } from "../runtime/job.js";
import type { EmbeddedStore } from "../store/index.js";

export interface DurableRunOptions
  extends Omit<RunOptions, "restoreFrom" | "state" | "deadLetters" | "views" | "onCheckpoint"> {
  readonly store: EmbeddedStore;
  /** Milliseconds between checkpoints (default 1000). */
  readonly checkpointInterval?: number;
  /** Start over, ignoring (and clearing) the pipeline's last checkpoint. */
  readonly fresh?: boolean;
  /**
   * Told after each commit with the commit's own time (ms), e.g. for metrics. `job.onCheckpointCommitted`
   * tells more: barrier-to-commit duration and bytes written.
   */
  readonly onCommitted?: (checkpoint: Checkpoint, millis: number) => void;
}

/** How a durable run began. */
export interface DurableStart {
  readonly job: Job;
  /** The checkpoint it resumed from, if any. */
  readonly resumedFrom: number | undefined;
}

/** e.g. `const { job } = startDurable(pipeline, { store }); await job.done;` */
export function startDurable(pipeline: Pipeline, options: DurableRunOptions): DurableStart {
  const { store, fresh, onCommitted, checkpointInterval, ...runOptions } = options;
  const name = pipeline.name;
  // Drops whatever was not committed and reloads state as of the last checkpoint.
  const latest = store.recover(name);
  // A completed run (its final checkpoint committed) starts over; so does an explicit fresh start.
  if (latest !== undefined && (fresh || latest.manifest.completed)) store.resetPipeline(name);
  const resume = latest !== undefined && !fresh && !latest.manifest.completed ? latest : undefined;
  const state = store.stateBackend(name);
  const deadLetters = store.deadLetters(name);
  const views = store.viewWriter(name);
  const restoreFrom: Checkpoint | undefined =
    resume === undefined
      ? undefined
      : {
          id: resume.id,
          pipeline: name,
          sources: resume.manifest.sources,
          steps: resume.manifest.steps,
        };
  let clockNow = () => Date.now();
  const job = pipeline.start({
    ...runOptions,
    log: runOptions.log ?? store.log,
    state,
    deadLetters,
    views,
    checkpointInterval: checkpointInterval ?? 1000,
    ...(restoreFrom === undefined ? {} : { restoreFrom }),
    onCheckpoint: (checkpoint) => {
      const started = performance.now();
      const result = store.commitCheckpoint(
        name,
        {
          id: checkpoint.id,
          sources: checkpoint.sources,
          steps: checkpoint.steps,
          completed: checkpoint.final === true,
        },
        clockNow(),
      );
      onCommitted?.(checkpoint, performance.now() - started);
      return { bytes: result.bytes };
    },
  });
  clockNow = () => job.clock.now();
  return { job, resumedFrom: resume?.id };
}
