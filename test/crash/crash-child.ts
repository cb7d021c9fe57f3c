/**
 * The process the crash test kills: it ingests the test stream into the embedded store's log (recording each
 * acknowledged range in acks.log once the append committed) while a durable job processes it into views.
 * Started again after a kill, it resumes both. Writes `done` when the job's final checkpoint is committed.
 *
 *   node crash-child.js DIR RECORDS
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startDurable } from "../../src/checkpoint/durable-run.js";
import { streamLogSource } from "../../src/connectors/stream-log-source.js";
import { EmbeddedStore } from "../../src/store/index.js";
import { type CrashEvent, crashEvent, crashPipeline } from "./crash-pipeline.js";

const [dir, recordsArg] = process.argv.slice(2);
const total = Number(recordsArg);
const store = new EmbeddedStore(dir!, { durability: "process" });

async function ingest(): Promise<void> {
  for (let next = store.log.endOffset("events"); next < total; next = store.log.endOffset("events")) {
    const n = Math.min(37, total - next);
    const batch = Array.from({ length: n }, (_, i) => crashEvent(next + i));
    const range = store.log.append(
      "events",
      batch,
      batch.map((e) => e.t),
      Date.now(),
    );
    appendFileSync(join(dir!, "acks.log"), `${range.first} ${range.last}\n`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const { job } = startDurable(
  crashPipeline(streamLogSource<CrashEvent>(store.log, "events", { until: total, batchSize: 200 })),
  {
    store,
    checkpointInterval: 40,
  },
);
await Promise.all([ingest(), job.done]);
writeFileSync(join(dir!, "done"), "ok");
store.close();
