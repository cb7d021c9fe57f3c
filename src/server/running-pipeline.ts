/**
 * A pipeline the server reports on: its logical graph (for the step graph) and the job running it (for
 * per-step counts, watermarks, checkpoints and status). `sluice run` and `sluice demo` pass one per pipeline.
 */
import type { Pipeline } from "../dataflow/pipeline.js";
import type { Job } from "../runtime/job.js";

export interface RunningPipeline {
  readonly pipeline: Pipeline;
  readonly job: Job;
}
