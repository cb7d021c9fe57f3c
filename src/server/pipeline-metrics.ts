/**
 * The processing side of `GET /metrics`, for every pipeline the server was given: per-step records and
 * processing time, watermark lag and backpressure per source, checkpoint duration and size, pipeline state,
 * the dead-letter ledger's size, and the end-to-end latency from ingest to view. Counts are read from the
 * jobs at scrape time (`job.stats()`); checkpoints and latencies are observed as each checkpoint commits.
 * Labels are `pipeline`, `step`, `source` and `reason`, all fixed by the pipelines' graphs.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { DeadLetterReason } from "../runtime/dead-letter.js";
import type { StepStats } from "../runtime/job-stats.js";
import type { EmbeddedStore } from "../store/index.js";
import type { IngestToViewLatency } from "./ingest-to-view-latency.js";
import { watermarkLag } from "./pipeline-info.js";
import type { RunningPipeline } from "./running-pipeline.js";

const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = ["invalid", "late", "failed"];

const JOB_STATES = ["running", "completed", "stopped", "failed"] as const;

/** Registers the series on `registry`; returns a function that stops listening to the jobs. */
export function registerPipelineMetrics(
  registry: Registry,
  store: EmbeddedStore,
  pipelines: readonly RunningPipeline[],
  latency: IngestToViewLatency,
): () => void {
  const registers = [registry];
  // Per-step totals, read from job.stats() at each scrape.
  const stepCounter = (name: string, help: string, value: (step: StepStats) => number) =>
    new Counter({
      name,
      help,
      labelNames: ["pipeline", "step"],
      registers,
      collect() {
        this.reset();
        for (const { pipeline, job } of pipelines) {
          for (const step of job.stats().steps)
            this.inc({ pipeline: pipeline.name, step: step.id }, value(step));
        }
      },
    });
  stepCounter("sluice_step_records_in_total", "Records that entered each step.", (step) => step.recordsIn);
  stepCounter(
    "sluice_step_records_out_total",
    "Records each step emitted downstream.",
    (step) => step.recordsOut,
  );
  stepCounter(
    "sluice_step_processing_seconds_total",
    "Time spent in each step's operator, without the downstream steps it called; its rate is the step's busy share.",
    (step) => step.processingMs / 1000,
  );
  new Gauge({
    name: "sluice_watermark_lag_seconds",
    help: "Processing time (the job's clock) minus the watermark of the event-time step each source feeds.",
    labelNames: ["pipeline", "source"],
    registers,
    collect() {
      this.reset();
      for (const { pipeline, job } of pipelines) {
        const now = job.clock.now();
        for (const source of job.stats().sources) {
          const lag = watermarkLag(source.watermark, now);
          if (lag !== null) this.set({ pipeline: pipeline.name, source: source.step }, lag / 1000);
        }
      }
    },
  });
  new Counter({
    name: "sluice_backpressure_seconds_total",
    help: "Time each source waited for room in its job's full channel (backpressure).",
    labelNames: ["pipeline", "source"],
    registers,
    collect() {
      this.reset();
      for (const { pipeline, job } of pipelines) {
        for (const source of job.stats().sources) {
          this.inc({ pipeline: pipeline.name, source: source.step }, source.blockedMs / 1000);
        }
      }
    },
  });
  new Gauge({
    name: "sluice_source_lag_records",
    help: "Records appended to a stored stream that its pipeline source has not read yet.",
    labelNames: ["pipeline", "source"],
    registers,
    collect() {
      this.reset();
      if (!store.logDb.open) return;
      for (const { pipeline, job } of pipelines) {
        for (const source of job.stats().sources) {
          if (source.stream === null || typeof source.position !== "number") continue;
          const lag = Math.max(0, store.log.endOffset(source.stream) - source.position);
          this.set({ pipeline: pipeline.name, source: source.step }, lag);
        }
      }
    },
  });
  new Gauge({
    name: "sluice_pipeline_up",
    help: "1 while the pipeline runs or has completed, 0 once it failed or was stopped.",
    labelNames: ["pipeline"],
    registers,
    collect() {
      for (const { pipeline, job } of pipelines) {
        const state = job.stats().state;
        this.set({ pipeline: pipeline.name }, state === "failed" || state === "stopped" ? 0 : 1);
      }
    },
  });
  new Gauge({
    name: "sluice_pipeline_state",
    help: "1 for the pipeline's current state (running, completed, stopped or failed), 0 for the others.",
    labelNames: ["pipeline", "state"],
    registers,
    collect() {
      for (const { pipeline, job } of pipelines) {
        const state = job.stats().state;
        for (const s of JOB_STATES) this.set({ pipeline: pipeline.name, state: s }, s === state ? 1 : 0);
      }
    },
  });
  new Gauge({
    // Not `sluice_dlq_entries`: OpenMetrics names the counter `sluice_dlq_entries_total` that family.
    name: "sluice_dlq_size",
    help: "Entries in the dead-letter ledger now, by reason (read from the store at scrape time).",
    labelNames: ["reason"],
    registers,
    collect() {
      if (!store.stateDb.open) return;
      const ledger = store.deadLetters();
      for (const reason of DEAD_LETTER_REASONS) this.set({ reason }, ledger.count({ reason }));
    },
  });
  const checkpointDuration = new Histogram({
    name: "sluice_checkpoint_duration_seconds",
    help: "Time from a checkpoint's barrier entering the job's channel to the end of its commit.",
    labelNames: ["pipeline"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const checkpointSize = new Histogram({
    name: "sluice_checkpoint_size_bytes",
    help: "Bytes each checkpoint commit wrote (manifest, changed step snapshots, state, view rows, dead letters).",
    labelNames: ["pipeline"],
    buckets: [1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 268435456],
    registers,
  });
  const endToEnd = new Histogram({
    name: "sluice_end_to_end_latency_seconds",
    help: "From an ingest append's commit to the commit of the first checkpoint that makes its last record visible in views.",
    labelNames: ["pipeline", "source"],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60],
    registers,
  });
  const batchProcessing = new Histogram({
    name: "sluice_batch_processing_seconds",
    help: "Processing latency: the time one source batch took to go through every step of its pipeline.",
    labelNames: ["pipeline"],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  const batchStops = pipelines.map(({ pipeline, job }) => {
    const processed = batchProcessing.labels({ pipeline: pipeline.name });
    return job.onBatchProcessed((ms) => processed.observe(ms / 1000));
  });
  const stops = pipelines.map(({ pipeline, job }) => {
    const name = pipeline.name;
    const storedSources = job.stats().sources.filter((source) => source.stream !== null);
    return job.onCheckpointCommitted((checkpoint) => {
      const at = performance.now();
      checkpointDuration.observe({ pipeline: name }, checkpoint.durationMs / 1000);
      if (checkpoint.bytes !== null) checkpointSize.observe({ pipeline: name }, checkpoint.bytes);
      for (const source of storedSources) {
        const position = checkpoint.sources[source.step];
        if (typeof position !== "number") continue;
        const labels = { pipeline: name, source: source.step };
        latency.committed(`${name}\u0000${source.step}`, source.stream!, position, at, (ms) =>
          endToEnd.observe(labels, ms / 1000),
        );
      }
    });
  });
  return () => {
    for (const stop of [...stops, ...batchStops]) stop();
  };
}
