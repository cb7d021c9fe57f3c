/**
 * `PipelineInfo`, what `GET /v1/pipelines` answers per pipeline (the dashboard is built on it): the step
 * graph with counts, rates, watermarks and processing time, checkpoints, backpressure and source lag. Rates
 * come from samples of the job's counters (`samplePipeline`, once a second and at each request).
 */
import type { JobStats } from "../runtime/job-stats.js";
import type { StreamLog } from "../store/stream-log.js";
import type { CounterRates } from "./counter-rates.js";
import type { RunningPipeline } from "./running-pipeline.js";

export interface PipelineStepInfo {
  readonly id: string;
  readonly verb: string;
  readonly inputs: readonly { readonly step: string; readonly edge: "main" | "late" }[];
  readonly recordsIn: number;
  readonly recordsOut: number;
  /** Records per second over the last ~5 s. */
  readonly inRate: number;
  readonly outRate: number;
  readonly watermark: number | null | "+inf";
  /** The job clock's now − watermark; null while the watermark is undefined, 0 after end of input. */
  readonly watermarkLagMs: number | null;
  /** Milliseconds spent in the step's operator (without downstream steps) since the job started. */
  readonly processingMs: number;
  readonly ended: boolean;
}

export interface PipelineSourceInfo {
  readonly step: string;
  /** The stored stream it reads, else null. */
  readonly stream: string | null;
  /** The next offset it will read (stored streams), else null. */
  readonly position: number | null;
  /** The stream's next offset to be written, else null. */
  readonly endOffset: number | null;
  /** Records appended but not yet read: `endOffset − position`, else null. */
  readonly lag: number | null;
}

export interface PipelineInfo {
  readonly name: string;
  readonly status: "running" | "completed" | "stopped" | "failed";
  readonly error: string | null;
  readonly startedAt: number;
  readonly steps: readonly PipelineStepInfo[];
  readonly checkpoints: {
    readonly count: number;
    readonly lastId: number | null;
    readonly lastAt: number | null;
    readonly lastDurationMs: number | null;
    readonly lastBytes: number | null;
    readonly intervalMs: number | null;
    readonly idlePauseMs: number | null;
  };
  /** `blockedMs`: total time sources waited on the full channel; `blockedRatio`: their share of the last ~5 s. */
  readonly backpressure: { readonly blockedMs: number; readonly blockedRatio: number };
  readonly sources: readonly PipelineSourceInfo[];
}

/** Samples a pipeline's counters for its rates, e.g. once a second: `samplePipeline(rates, name, job.stats(), performance.now())`. */
export function samplePipeline(rates: CounterRates, name: string, stats: JobStats, at: number): void {
  for (const step of stats.steps) {
    rates.sample(rateKey(name, step.id, "in"), step.recordsIn, at);
    rates.sample(rateKey(name, step.id, "out"), step.recordsOut, at);
  }
  rates.sample(rateKey(name, "", "blocked"), blockedMs(stats), at);
}

/** What `GET /v1/pipelines` reports of one pipeline, now. */
export function pipelineInfo(
  running: RunningPipeline,
  rates: CounterRates,
  log: StreamLog | undefined,
  at: number,
): PipelineInfo {
  const { job } = running;
  const name = running.pipeline.name;
  const stats = job.stats();
  const now = job.clock.now();
  const last = stats.checkpoints.last;
  const blocked = blockedMs(stats);
  const sourceCount = Math.max(1, stats.sources.length);
  return {
    name,
    status: stats.state,
    error: stats.error,
    startedAt: stats.startedAt,
    steps: stats.steps.map((step) => ({
      id: step.id,
      verb: step.verb,
      inputs: step.inputs,
      recordsIn: step.recordsIn,
      recordsOut: step.recordsOut,
      inRate: rates.rate(rateKey(name, step.id, "in"), step.recordsIn, at),
      outRate: rates.rate(rateKey(name, step.id, "out"), step.recordsOut, at),
      watermark: step.watermark,
      watermarkLagMs: watermarkLag(step.watermark, now),
      processingMs: step.processingMs,
      ended: step.ended,
    })),
    checkpoints: {
      count: stats.checkpoints.count,
      lastId: last?.id ?? null,
      lastAt: last?.at ?? null,
      lastDurationMs: last?.durationMs ?? null,
      lastBytes: last?.bytes ?? null,
      intervalMs: stats.checkpoints.intervalMs,
      idlePauseMs: stats.checkpoints.idlePauseMs,
    },
    backpressure: {
      blockedMs: blocked,
      // The rate is ms blocked per second, summed over sources: a share of their time once divided.
      blockedRatio: Math.min(1, rates.rate(rateKey(name, "", "blocked"), blocked, at) / 1000 / sourceCount),
    },
    sources: stats.sources.map((source) => sourceInfo(source, log)),
  };
}

/** The job clock's now − watermark in ms: null while undefined, 0 after end of input. */
export function watermarkLag(watermark: number | null | "+inf", now: number): number | null {
  if (watermark === null) return null;
  if (watermark === "+inf") return 0;
  return Math.max(0, now - watermark);
}

/** A source's position, its stream's end and the lag between them (stored streams only). */
export function sourceInfo(
  source: JobStats["sources"][number],
  log: StreamLog | undefined,
): PipelineSourceInfo {
  const position = typeof source.position === "number" ? source.position : null;
  const endOffset = source.stream !== null && log !== undefined ? log.endOffset(source.stream) : null;
  return {
    step: source.step,
    stream: source.stream,
    position,
    endOffset,
    lag: position !== null && endOffset !== null ? Math.max(0, endOffset - position) : null,
  };
}

function blockedMs(stats: JobStats): number {
  let total = 0;
  for (const source of stats.sources) total += source.blockedMs;
  return total;
}

function rateKey(pipeline: string, step: string, counter: string): string {
  return `${pipeline}\u0000${step}\u0000${counter}`;
}
