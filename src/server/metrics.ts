/**
 * The server's Prometheus metrics, on a registry of its own (never prom-client's global one, so several
 * servers in one process do not collide): ingest records and requests, request latency, dead letters, and
 * per-stream log sizes read from the store at scrape time; for the pipelines it was given, the processing
 * side (pipeline-metrics.ts). It also keeps what the routes report as rates: it samples stream appends and
 * pipeline counters once a second (an unref'd timer, stopped by `close()`). `GET /metrics` serves them.
 */
import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { EmbeddedStore } from "../store/index.js";
import { CounterRates } from "./counter-rates.js";
import { IngestToViewLatency } from "./ingest-to-view-latency.js";
import { samplePipeline } from "./pipeline-info.js";
import { registerPipelineMetrics } from "./pipeline-metrics.js";
import type { RunningPipeline } from "./running-pipeline.js";

/** How often counters are sampled for rates (ms). */
const SAMPLE_EVERY_MS = 1000;

/** The label used for a stream the server does not declare, so unknown names cannot grow the label set. */
export const UNKNOWN_STREAM = "(unknown)";

/** E.g. `const metrics = new ServerMetrics(store, pipelines)`; `metrics.ingestRecords.inc({ stream, result }, n)`. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly ingestRecords: Counter<"stream" | "result">;
  readonly ingestRequests: Counter<"stream" | "status">;
  readonly ingestDuration: Histogram<"stream">;
  readonly dlqEntries: Counter<"reason">;
  /** Rates of stream appends and pipeline counters over the last ~5 s. */
  readonly rates = new CounterRates();
  /** Recent appends per stream, for the end-to-end latency. */
  readonly latency = new IngestToViewLatency();
  /** Records appended per stream since the server started (in this process). */
  private readonly appended = new Map<string, number>();
  private readonly stopListening: Array<() => void> = [];
  private readonly sampler: NodeJS.Timeout;

  constructor(
    store: EmbeddedStore,
    private readonly pipelines: readonly RunningPipeline[] = [],
  ) {
    const registers = [this.registry];
    this.ingestRecords = new Counter({
      name: "sluice_ingest_records_total",
      help: "Records received by POST /v1/streams/:stream/events, by result (accepted or rejected).",
      labelNames: ["stream", "result"],
      registers,
    });
    this.ingestRequests = new Counter({
      name: "sluice_ingest_requests_total",
      help: "Ingest requests answered, by stream and HTTP status.",
      labelNames: ["stream", "status"],
      registers,
    });
    this.ingestDuration = new Histogram({
      name: "sluice_ingest_request_duration_seconds",
      help: "Time to answer an ingest request, from its arrival to the durable acknowledgement.",
      labelNames: ["stream"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.dlqEntries = new Counter({
      name: "sluice_dlq_entries_total",
      help: "Records written to the dead-letter ledger by this server, by reason.",
      labelNames: ["reason"],
      registers,
    });
    // Both stream gauges come from one read of the log per scrape, in the first one's collect: prom-client
    // collects and prints metrics in registration order, so the second is set before it is printed.
    new Gauge({
      name: "sluice_stream_records",
      help: "Records retained in each stream's log.",
      labelNames: ["stream"],
      registers,
      collect() {
        if (!store.logDb.open) return;
        for (const info of store.log.streams()) {
          this.set({ stream: info.name }, info.records);
          streamEndOffset.set({ stream: info.name }, info.endOffset);
        }
      },
    });
    const streamEndOffset = new Gauge({
      name: "sluice_stream_end_offset",
      help: "The next offset to be written in each stream's log.",
      labelNames: ["stream"],
      registers,
    });
    collectDefaultMetrics({ register: this.registry, prefix: "sluice_" });
    this.stopListening.push(
      store.log.onAppend((event) => {
        const before = this.appended.get(event.stream);
        // A stream's first append: its rate starts from zero now rather than at the next sample.
        if (before === undefined) this.rates.sample(`stream\u0000${event.stream}`, 0, performance.now());
        this.appended.set(event.stream, (before ?? 0) + event.last - event.first + 1);
        this.latency.appended(event.stream, event.first, event.last, performance.now());
      }),
      registerPipelineMetrics(this.registry, store, pipelines, this.latency),
    );
    this.sampler = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
    this.sampler.unref();
    this.sample();
  }

  /** Records appended to `stream` per second over the last ~5 s (by this process). */
  appendRate(stream: string): number {
    return this.rates.rate(`stream\u0000${stream}`, this.appended.get(stream) ?? 0, performance.now());
  }

  /** Stops sampling and listening to the log and the jobs. */
  close(): void {
    clearInterval(this.sampler);
    for (const stop of this.stopListening) stop();
    this.stopListening.length = 0;
  }

  private sample(): void {
    const at = performance.now();
    for (const [stream, records] of this.appended) this.rates.sample(`stream\u0000${stream}`, records, at);
    for (const { pipeline, job } of this.pipelines)
      samplePipeline(this.rates, pipeline.name, job.stats(), at);
  }
}

/** `GET /metrics`: Prometheus text format. */
export function registerMetricsRoute(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook("onClose", async () => metrics.close());
  app.get("/metrics", { config: { permission: () => ({ kind: "admin" }) } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
