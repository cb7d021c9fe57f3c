import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { count } from "../aggregates/index.js";
import { pushSource } from "../connectors/push-source.js";
import { ManualClock } from "../core/clock.js";
import { Pipeline } from "../dataflow/pipeline.js";
import { ndjsonFile } from "../sinks/ndjson-file-sink.js";
import { view } from "../sinks/view-sink.js";
import type { MemoryViewStore } from "../sinks/view-writer.js";
import { tumbling } from "../windows/window-assigner.js";
import type { Checkpoint } from "./checkpoint.js";

interface Ev {
  k: string;
  t: number;
}

test("checkpoints are taken every checkpointInterval of the injected clock, and a final one at the end", async () => {
  const clock = new ManualClock(0);
  const src = pushSource<Ev>();
  const p = new Pipeline("periodic");
  p.source("in", src)
    .withEventTime((e) => e.t, { maxOutOfOrderness: 0 })
    .keyBy((e) => e.k)
    .window(tumbling(1000))
    .aggregate({ n: count() })
    .to(view("counts"));
  const committed: Checkpoint[] = [];
  const job = p.start({ clock, checkpointInterval: 1000, onCheckpoint: (c) => committed.push(c) });
  src.push([{ k: "a", t: 10 }]);
  await job.settled();
  clock.advance(1000);
  await job.settled();
  assert.equal(committed.length, 1);
  assert.deepEqual(committed[0]!.sources, { in: 1 });
  src.push([{ k: "a", t: 1500 }]);
  await job.settled();
  clock.advance(1000);
  await job.settled();
  assert.equal(committed.length, 2);
  assert.deepEqual(committed[1]!.sources, { in: 2 });
  src.end();
  await job.done;
  assert.equal(committed.at(-1)!.final, true, "a final checkpoint after everything fired");
  assert.deepEqual(
    [...(job.views as MemoryViewStore).rows("counts").values()].map((r) => (r as { n: number }).n),
    [1, 1],
  );
});

test("the NDJSON file sink is exactly-once across a restart: output after the checkpoint is truncated and rewritten", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-job-"));
  try {
    const file = join(dir, "out.ndjson");
    const build = () => {
      const src = pushSource<Ev>();
      const p = new Pipeline("file");
      p.source("in", src).to(ndjsonFile(file));
      return { src, p };
    };
    const first = build();
    const j1 = first.p.start({ clock: new ManualClock(0) });
    first.src.push([
      { k: "a", t: 1 },
      { k: "b", t: 2 },
    ]);
    await j1.settled();
    const checkpoint = JSON.parse(JSON.stringify(await j1.checkpoint())) as Checkpoint;
    first.src.push([{ k: "c", t: 3 }]); // written, but after the checkpoint: lost with the "crash"
    await j1.settled();
    await j1.stop();
    assert.equal(readFileSync(file, "utf8").split("\n").length - 1, 3);

    const second = build();
    const j2 = second.p.start({ clock: new ManualClock(0), restoreFrom: checkpoint });
    second.src.push([
      { k: "c", t: 3 },
      { k: "d", t: 4 },
    ]); // the source replays from the checkpoint
    second.src.end();
    await j2.done;
    assert.deepEqual(
      readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as Ev).k),
      ["a", "b", "c", "d"],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the task loop lets timers in while a source never makes it wait", async () => {
  const p = new Pipeline("busy");
  let n = 0;
  p.source("in", {
    kind: "endless",
    partitions: 1,
    open: () => ({ next: () => ({ partition: 0, items: new Array(1000).fill(n++) }), position: () => n }),
  }).to({ kind: "null", write() {} });
  const job = p.start();
  const fired = await new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 50));
  assert.equal(fired, true);
  await job.stop();
});

/**
 * A job from a push source into a view, with idle checkpoints after `pause` ms and an interval too long to
 * matter; `committed` lists each checkpoint with the clock's time and the source position it covers.
 */
function idleCheckpointJob(
  name: string,
  pause: number,
  options: { backlog?: number; queueCapacity?: number } = {},
) {
  const clock = new ManualClock(0);
  const src = pushSource<Ev>();
  for (let i = 0; i < (options.backlog ?? 0); i++) src.push([{ k: `k${i % 7}`, t: i }]);
  const p = new Pipeline(name);
  p.source("in", src).to(view("seen", { key: (e) => e.k }));
  const committed: Array<{ at: number; sources: Record<string, unknown> }> = [];
  const job = p.start({
    clock,
    checkpointInterval: 60_000,
    idleCheckpointPause: pause,
    ...(options.queueCapacity === undefined ? {} : { queueCapacity: options.queueCapacity }),
    onCheckpoint: (c) => committed.push({ at: clock.now(), sources: c.sources }),
  });
  return { clock, src, job, committed };
}

test("idleCheckpointPause: a caught-up loop commits what it processed at once, not at the next interval", async () => {
  const { clock, src, job, committed } = idleCheckpointJob("idle-now", 0);
  await job.settled();
  assert.equal(committed.length, 0, "nothing processed: no checkpoint");
  src.push([{ k: "a", t: 1 }]);
  await job.settled();
  assert.deepEqual(
    committed.map((c) => c.sources),
    [{ in: 1 }],
  );
  src.push([{ k: "b", t: 2 }]);
  src.push([{ k: "c", t: 3 }]);
  await job.settled();
  assert.deepEqual(committed.at(-1)!.sources, { in: 3 }, "the batches taken before it ran out of work");
  const taken = committed.length;
  clock.advance(10_000);
  await job.settled();
  assert.equal(committed.length, taken, "idle with nothing new: no more checkpoints");
  await job.stop();
});

test("idleCheckpointPause: the idle checkpoint waits until the pause since the previous one has passed", async () => {
  const { clock, src, job, committed } = idleCheckpointJob("idle-pause", 100);
  src.push([{ k: "a", t: 1 }]);
  await job.settled();
  assert.equal(committed.length, 0, "the job started less than 100 ms ago");
  clock.advance(99);
  await job.settled();
  assert.equal(committed.length, 0);
  clock.advance(1);
  await job.settled();
  assert.deepEqual(committed, [{ at: 100, sources: { in: 1 } }]);
  clock.advance(30);
  src.push([{ k: "b", t: 2 }]);
  await job.settled();
  assert.equal(committed.length, 1, "30 ms after the previous checkpoint");
  clock.advance(70);
  await job.settled();
  assert.deepEqual(committed.at(-1), { at: 200, sources: { in: 2 } });
  await job.stop();
});

test("idleCheckpointPause: a backlog is read through before the idle checkpoint, not checkpointed every few batches", async () => {
  const { job, committed } = idleCheckpointJob("idle-backlog", 0, {
    backlog: 100,
    queueCapacity: 4,
  });
  await job.settled();
  assert.deepEqual(
    committed.map((c) => c.sources),
    [{ in: 100 }],
    "one checkpoint, once the source had nothing more",
  );
  await job.stop();
});

test("idleCheckpointPause: another checkpoint restarts the pause of an idle checkpoint waiting for it", async () => {
  const { clock, src, job, committed } = idleCheckpointJob("idle-restart", 100);
  src.push([{ k: "a", t: 1 }]);
  await job.settled(); // an idle checkpoint is due at 100
  clock.advance(50);
  await job.checkpoint(); // taken at 50
  clock.advance(10);
  src.push([{ k: "b", t: 2 }]);
  await job.settled();
  clock.advance(40); // 100: only 50 ms after the last checkpoint
  await job.settled();
  assert.deepEqual(
    committed.map((c) => c.at),
    [50],
  );
  clock.advance(50); // 150
  await job.settled();
  assert.deepEqual(committed, [
    { at: 50, sources: { in: 1 } },
    { at: 150, sources: { in: 2 } },
  ]);
  await job.stop();
});

test("idleCheckpointPause must be a number of ms ≥ 0", () => {
  const p = new Pipeline("idle-bad");
  p.source("in", pushSource<Ev>()).to(view("seen", { key: (e) => e.k }));
  assert.throws(
    () => p.start({ idleCheckpointPause: -1 }),
    /idleCheckpointPause must be a number of ms ≥ 0, got -1/,
  );
});
