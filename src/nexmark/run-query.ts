/**
 * Runs one Nexmark query in-process over the generator: the same events that `nexmark generate` writes for
 * the same options. Results go to an NDJSON file (for updating queries, the final row per key) or are only
 * counted; the run reports throughput.
 */
import { startDurable } from "../checkpoint/durable-run.js";
import { SluiceError } from "../core/errors.js";
import { Pipeline } from "../dataflow/pipeline.js";
import type { Job } from "../runtime/job.js";
import { discard } from "../sinks/count-sink.js";
import { NdjsonFileSink } from "../sinks/ndjson-file-sink.js";
import type { Sink } from "../sinks/sink.js";
import { UpsertFileSink } from "../sinks/upsert-file-sink.js";
import { EmbeddedStore } from "../store/index.js";
import type { Durability } from "../store/sqlite-database.js";
import type { NexmarkGeneratorOptions } from "./generator-config.js";
import { NEXMARK_QUERIES, type NexmarkRow, nexmarkQuery } from "./queries/index.js";
import { nexmarkSource } from "./source.js";

export interface NexmarkRunOptions extends NexmarkGeneratorOptions {
  /** Query name, e.g. "q5". */
  readonly query: string;
  readonly events: number;
  /** NDJSON file for the results; without it they are counted and dropped. */
  readonly output?: string;
  /** Events per source batch (default 4096). */
  readonly batchSize?: number;
  /**
   * Keep state and checkpoints under this directory: killed at any moment and run again with the same
   * options, the run resumes from its last checkpoint and `output` ends exactly as an uninterrupted run's.
   */
  readonly data?: string;
  /** Milliseconds between checkpoints with `data` (default 1000). */
  readonly checkpointInterval?: number;
  readonly durability?: Durability;
}

export interface NexmarkRunResult {
  readonly query: string;
  readonly events: number;
  /** Result rows produced by this process (for updating queries: updates, not final rows). */
  readonly rows: number;
  /** With `data`: the checkpoint this run resumed from, if it did. */
  readonly resumedFrom?: number;
  /** With `data`: checkpoints committed by this run. */
  readonly checkpoints?: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

/** Id of the step that takes a query's results. */
const RESULTS_STEP = "results";

/** Builds the pipeline for a query: generator → event time (dateTime, 4 s bound) → query → sink. */
export function nexmarkPipeline(options: NexmarkRunOptions, sink: Sink<NexmarkRow>): Pipeline {
  const query = nexmarkQuery(options.query);
  if (query === undefined) {
    throw new SluiceError(
      `unknown Nexmark query "${options.query}"; choose one of ${Object.keys(NEXMARK_QUERIES).join(", ")}`,
      "unknown_query",
    );
  }
  const p = new Pipeline(`nexmark-${query.name}`);
  const events = p
    .source(
      "nexmark",
      nexmarkSource({ ...options, ...(options.batchSize ? { batchSize: options.batchSize } : {}) }),
    )
    .withEventTime((e) => e.dateTime, { maxOutOfOrderness: "4s" }, { id: "event-time" });
  query.build(events).to(sink, { id: RESULTS_STEP });
  return p;
}

/** Runs a query to the end of its events, e.g. `await runNexmarkQuery({ query: "q5", events: 1_000_000 })`. */
export async function runNexmarkQuery(options: NexmarkRunOptions): Promise<NexmarkRunResult> {
  const query = nexmarkQuery(options.query);
  let sink: Sink<NexmarkRow>;
  if (options.output === undefined) {
    sink = discard<NexmarkRow>();
  } else if (query?.upsertKey !== undefined) {
    const keyColumns = query.upsertKey;
    sink = new UpsertFileSink<NexmarkRow>(options.output, (row) =>
      keyColumns.map((c) => String(row[c])).join("\u0000"),
    );
  } else {
    sink = new NdjsonFileSink<NexmarkRow>(options.output, { fsync: options.durability === "machine" });
  }
  const pipeline = nexmarkPipeline(options, sink);
  const started = process.hrtime.bigint();
  let job: Job;
  let durable: { resumedFrom?: number; checkpoints: number } | undefined;
  if (options.data === undefined) {
    job = await pipeline.run();
  } else {
    const store = new EmbeddedStore(options.data, { durability: options.durability ?? "process" });
    try {
      const run = startDurable(pipeline, { store, checkpointInterval: options.checkpointInterval ?? 1000 });
      job = run.job;
      await job.done;
      durable = {
        ...(run.resumedFrom === undefined ? {} : { resumedFrom: run.resumedFrom }),
        checkpoints: job.checkpointsCompleted,
      };
    } finally {
      store.close();
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    query: options.query,
    events: options.events,
    // The sink step counts what reached it.
    rows: job.status().find((s) => s.id === RESULTS_STEP)!.recordsIn,
    seconds,
    eventsPerSecond: options.events / seconds,
    ...durable,
  };
}
