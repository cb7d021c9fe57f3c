/**
 * The server's Prometheus metrics, on a registry of its own (never prom-client's global one, so several
 * servers in one process do not collide): ingest records and requests, request latency, dead letters, and
 * per-stream log sizes read from the store at scrape time. `GET /metrics` serves them.
 */
import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { EmbeddedStore } from "../store/index.js";

/** The label used for a stream the server does not declare, so unknown names cannot grow the label set. */
export const UNKNOWN_STREAM = "(unknown)";

/** E.g. `const metrics = new ServerMetrics(store)`; `metrics.ingestRecords.inc({ stream, result }, n)`. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly ingestRecords: Counter<"stream" | "result">;
  readonly ingestRequests: Counter<"stream" | "status">;
  readonly ingestDuration: Histogram<"stream">;
  readonly dlqEntries: Counter<"reason">;

  constructor(store: EmbeddedStore) {
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
    new Gauge({
      name: "sluice_stream_records",
      help: "Records retained in each stream's log.",
      labelNames: ["stream"],
      registers,
      collect() {
        if (!store.logDb.open) return;
        for (const info of store.log.streams()) this.set({ stream: info.name }, info.records);
      },
    });
    new Gauge({
      name: "sluice_stream_end_offset",
      help: "The next offset to be written in each stream's log.",
      labelNames: ["stream"],
      registers,
      collect() {
        if (!store.logDb.open) return;
        for (const info of store.log.streams()) this.set({ stream: info.name }, info.endOffset);
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: "sluice_" });
  }
}

/** `GET /metrics`: Prometheus text format. */
export function registerMetricsRoute(app: FastifyInstance, metrics: ServerMetrics): void {
  app.get("/metrics", { config: { permission: () => ({ kind: "admin" }) } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
