import assert from "node:assert/strict";
import { test } from "node:test";
import { count } from "../aggregates/index.js";
import { fromCollection } from "../connectors/collection-source.js";
import { pushSource } from "../connectors/push-source.js";
import type { Source } from "../connectors/source.js";
import { ManualClock } from "../core/clock.js";
import { Pipeline } from "../dataflow/pipeline.js";
import { collect } from "../sinks/collect-sink.js";
import { discard } from "../sinks/count-sink.js";
import { tumbling } from "../windows/window-assigner.js";
import type { CommittedCheckpoint } from "./job-stats.js";

interface Ev {
  k: string;
  t: number;
}

test("job.stats() reports the graph, counts, watermarks, processing time and checkpoints; listeners hear each commit", async () => {
  const clock = new ManualClock(10_000);
  const src = pushSource<Ev>();
  const p = new Pipeline("stats");
  p.source("in", src)
    .withEventTime((e) => e.t, { maxOutOfOrderness: 0 }, { id: "time" })
    .keyBy((e) => e.k)
    .window(tumbling(1000))
    .aggregate({ n: count() }, { id: "counts" })
    .to(collect(), { id: "out" });
  let bytes = 100;
  const job = p.start({ clock, checkpointInterval: 1000, onCheckpoint: () => ({ bytes: bytes++ }) });
  const heard: CommittedCheckpoint[] = [];
  const off = job.onCheckpointCommitted((c) => heard.push(c));
  src.push([
    { k: "a", t: 100 },
    { k: "b", t: 1500 },
  ]);
  await job.settled();
  clock.advance(1000);
  await job.settled();

  const stats = job.stats();
  assert.equal(stats.pipeline, "stats");
  assert.equal(stats.state, "running");
  assert.equal(stats.error, null);
  assert.equal(stats.startedAt, 10_000);
  assert.deepEqual(
    stats.steps.map((s) => [s.id, s.verb, s.inputs]),
    [
      ["in", "source", []],
      ["time", "event-time", [{ step: "in", edge: "main" }]],
      [stats.steps[2]!.id, "key-by", [{ step: "time", edge: "main" }]],
      ["counts", "window", [{ step: stats.steps[2]!.id, edge: "main" }]],
      ["out", "sink", [{ step: "counts", edge: "main" }]],
    ],
  );
  const byId = new Map(stats.steps.map((s) => [s.id, s]));
  assert.equal(byId.get("in")!.recordsIn, 2);
  assert.equal(byId.get("counts")!.recordsOut, 1, "window [0, 1000) fired at watermark 1500");
  assert.equal(byId.get("counts")!.watermark, 1500);
  for (const step of stats.steps) assert.ok(step.processingMs >= 0);
  assert.ok(byId.get("counts")!.processingMs > 0);
  assert.deepEqual(
    stats.sources.map((s) => ({ ...s, blockedMs: 0 })),
    [
      {
        step: "in",
        kind: "push",
        stream: null,
        position: stats.sources[0]!.position,
        watermark: 1500,
        blockedMs: 0,
      },
    ],
  );
  assert.equal(stats.checkpoints.count, 1);
  assert.equal(stats.checkpoints.intervalMs, 1000);
  assert.equal(stats.checkpoints.idlePauseMs, null, "no idle checkpoints unless asked");
  const last = stats.checkpoints.last!;
  assert.equal(last.id, 1);
  assert.equal(last.final, false);
  assert.equal(last.at, 11_000);
  assert.equal(last.bytes, 100);
  assert.ok(last.durationMs >= 0);
  assert.deepEqual(heard, [last]);

  off();
  src.end();
  await job.done;
  assert.equal(job.stats().state, "completed");
  assert.equal(job.stats().checkpoints.last!.final, true);
  assert.equal(job.stats().checkpoints.last!.bytes, 101);
  assert.equal(heard.length, 1, "a removed listener hears nothing more");
  assert.equal(
    job.stats().steps.every((s) => s.ended && s.watermark === "+inf"),
    true,
  );
});

test("job.stats() counts the time sources wait on a full channel (backpressure)", async () => {
  const events = Array.from({ length: 20_000 }, (_, i) => ({ k: `k${i % 10}`, t: i }));
  const p = new Pipeline("pressure");
  p.source("in", fromCollection(events, { batchSize: 100 }))
    .withEventTime((e) => e.t, { maxOutOfOrderness: 0 })
    .keyBy((e) => e.k)
    .window(tumbling(50))
    .aggregate({ n: count() })
    .to(discard());
  const job = p.start({ clock: new ManualClock(0), queueCapacity: 1 });
  await job.done;
  const stats = job.stats();
  assert.equal(stats.state, "completed");
  assert.ok(stats.sources[0]!.blockedMs > 0, "the source outran processing and waited");
});

test("a job ended by stop() is stopped, one whose source failed is failed with the error", async () => {
  const p = new Pipeline("cancel");
  p.source("in", pushSource<Ev>()).to(discard());
  const cancelled = p.start({ clock: new ManualClock(0) });
  await cancelled.stop();
  assert.equal(cancelled.stats().state, "stopped");

  const broken: Source<Ev> = {
    kind: "test",
    partitions: 1,
    open: () => ({
      next: () => {
        throw new Error("disk on fire");
      },
      position: () => null,
    }),
  };
  const q = new Pipeline("broken");
  q.source("in", broken).to(discard());
  const failed = q.start({ clock: new ManualClock(0) });
  await assert.rejects(failed.done, /disk on fire/);
  assert.equal(failed.stats().state, "failed");
  assert.equal(failed.stats().error, "disk on fire");
});

test("onBatchProcessed hears each source batch once, with its time through the pipeline, until removed", async () => {
  const src = pushSource<Ev>();
  const p = new Pipeline("batches");
  p.source("in", src)
    .withEventTime((e) => e.t, { maxOutOfOrderness: 0 })
    .keyBy((e) => e.k)
    .window(tumbling(1000))
    .aggregate({ n: count() })
    .to(discard());
  const job = p.start({ clock: new ManualClock(0) });
  const heard: number[] = [];
  const off = job.onBatchProcessed((ms) => heard.push(ms));
  src.push([{ k: "a", t: 1 }]);
  await job.settled();
  src.push([
    { k: "a", t: 2 },
    { k: "b", t: 3 },
  ]);
  await job.settled();
  assert.equal(heard.length, 2);
  assert.ok(heard.every((ms) => ms >= 0 && Number.isFinite(ms)));
  off();
  src.push([{ k: "c", t: 4 }]);
  await job.settled();
  assert.equal(heard.length, 2, "a removed listener hears nothing");
  src.end();
  await job.done;
});
