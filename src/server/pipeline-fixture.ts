/**
 * What the tests of the processing side share: a durable pipeline ("iot") reading the stored stream
 * "readings" (event time, a keyed one-second window counted into the view `device_counts`, its late records
 * into a late output), run by `startDurable` over a store in a temporary directory, and a server reporting on
 * it. Checkpoints are taken on demand (`checkpoint()`), so tests never wait for a timer.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { count } from "../aggregates/index.js";
import { startDurable } from "../checkpoint/durable-run.js";
import { storedStream } from "../connectors/stored-stream.js";
import { Pipeline } from "../dataflow/pipeline.js";
import type { Job } from "../runtime/job.js";
import { discard } from "../sinks/count-sink.js";
import { view } from "../sinks/view-sink.js";
import { EmbeddedStore } from "../store/index.js";
import { tumbling } from "../windows/window-assigner.js";
import type { ServerOptions } from "./server.js";
import { post, startTestServer, type TestServer } from "./server-fixture.js";

interface Reading {
  readonly deviceId: string;
  readonly temp: number;
  readonly ts: number;
}

export interface PipelineServer {
  readonly t: TestServer;
  readonly pipeline: Pipeline;
  readonly job: Job;
  /** POSTs readings to the stream; resolves with the reply's status. */
  ingest(readings: readonly Partial<Reading>[]): Promise<number>;
  /** Waits until the job has processed what it could read, then commits a checkpoint. */
  checkpoint(): Promise<void>;
  close(): Promise<void>;
}

/** The "iot" pipeline over the "readings" stored stream. */
export function iotPipeline(): Pipeline {
  const p = new Pipeline("iot");
  const windows = p
    .source("readings", storedStream<Reading>("readings"))
    .map((r) => ({ ...r, temp: Math.round(r.temp) }), { id: "rounded" })
    .withEventTime((r) => r.ts, { maxOutOfOrderness: 0 }, { id: "event-time" })
    .keyBy((r) => r.deviceId)
    .window(tumbling(1000), { late: "output" })
    .aggregate({ n: count() }, { id: "per-second" });
  windows.to(view("device_counts"), { id: "counts-view" });
  windows.late({ id: "late" }).to(discard(), { id: "late-sink" });
  return p;
}

/** Starts the durable job, then a server given it, e.g. `const s = await startPipelineServer(); ...; await s.close()`. */
export async function startPipelineServer(
  options: { pipeline?: Pipeline; server?: Partial<ServerOptions> } = {},
): Promise<PipelineServer> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-pipelines-"));
  const store = new EmbeddedStore(dir);
  const pipeline = options.pipeline ?? iotPipeline();
  const { job } = startDurable(pipeline, { store, checkpointInterval: 3_600_000 });
  const t = await startTestServer({ dir, store, pipelines: [{ pipeline, job }], ...options.server });
  return {
    t,
    pipeline,
    job,
    async ingest(readings) {
      const reply = await post(`${t.url}/v1/streams/readings/events`, JSON.stringify(readings));
      return reply.status;
    },
    async checkpoint() {
      await job.settled();
      await job.checkpoint();
    },
    async close() {
      await job.stop();
      await t.close();
    },
  };
}
