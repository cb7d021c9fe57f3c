/**
 * Testing helpers for pipelines, for Sluice's own tests and for users' tests of their pipelines: a manual
 * clock, in-memory sources (bounded, or pushed while the job runs), a collecting sink, an operator harness,
 * and `runToCompletion`, which runs a pipeline over bounded input and returns the job.
 */

import { ManualClock } from "../core/clock.js";
import type { Pipeline } from "../dataflow/pipeline.js";
import type { Job, RunOptions } from "../runtime/job.js";

export { type CollectionSourceOptions, fromCollection } from "../connectors/collection-source.js";
export { PushSource, pushSource } from "../connectors/push-source.js";
export { ManualClock } from "../core/clock.js";
export { MemoryDeadLetterLedger } from "../runtime/dead-letter.js";
export { CollectSink, collect } from "../sinks/collect-sink.js";
export { type HarnessRecord, OperatorHarness } from "./operator-harness.js";

/** Runs a pipeline whose sources are bounded until they end, on a manual clock by default. */
export async function runToCompletion(pipeline: Pipeline, options: RunOptions = {}): Promise<Job> {
  return pipeline.run({ clock: new ManualClock(0), ...options });
}
