/**
 * Every stateful step survives a checkpoint, a crash and a restore on the embedded store: windows, session
 * merges, joins (window, interval, temporal), dedupe, top-N and `process` state and timers. Each pipeline is
 * run once uninterrupted and once stopped after a checkpoint (losing the output after it) and resumed from the
 * store; the views must be identical.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { count, sum } from "../aggregates/index.js";
import type { Source, SourceBatch } from "../connectors/source.js";
import { ManualClock } from "../core/clock.js";
import { Pipeline } from "../dataflow/pipeline.js";
import type { Stream } from "../dataflow/stream.js";
import { view } from "../sinks/view-sink.js";
import { EmbeddedStore } from "../store/index.js";
import { session, sliding, tumbling } from "../windows/window-assigner.js";
import { startDurable } from "./durable-run.js";

interface Ev {
  seq: number;
  k: string;
  v: number;
  t: number;
  side: "a" | "b";
}

const EVENTS: Ev[] = Array.from({ length: 600 }, (_, seq) => ({
  seq,
  k: `k${(seq * 7) % 5}`,
  v: (seq * 31) % 100,
  t: seq * 100 + ((seq * 13) % 700),
  side: seq % 3 === 0 ? "b" : "a",
}));

/**
 * A source over EVENTS in batches of 25 that pauses after `pauseAt` batches until released, and stops for good
 * after `haltAt` batches (a crash never lets it finish).
 */
function pausingSource(pauseAt: number, haltAt = -1): { source: Source<Ev>; release: () => void } {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    release,
    source: {
      kind: "test",
      partitions: 1,
      open(context) {
        let next = typeof context.resumeFrom === "number" ? context.resumeFrom : 0;
        const batch = (): SourceBatch<Ev> | null => {
          if (next * 25 >= EVENTS.length) return null;
          const items = EVENTS.slice(next * 25, next * 25 + 25);
          next++;
          return { partition: 0, items };
        };
        return {
          next: () =>
            next === haltAt ? new Promise<never>(() => {}) : next === pauseAt ? gate.then(batch) : batch(),
          position: () => next,
        };
      },
    },
  };
}

type Build = (events: Stream<Ev>) => void;

const PIPELINES: Record<string, Build> = {
  "sliding and session windows": (events) => {
    const keyed = events.keyBy((e) => e.k);
    keyed
      .window(sliding(3000, 1000), { id: "sliding" })
      .aggregate({ n: count(), s: sum((e: Ev) => e.v) })
      .to(view("out"));
    keyed.window(session(450), { id: "sessions" }).aggregate({ n: count() }).to(view("out2"));
  },
  "window join and interval join": (events) => {
    const a = events.filter((e) => e.side === "a").keyBy((e) => e.k);
    const b = events.filter((e) => e.side === "b").keyBy((e) => e.k);
    a.windowJoin(b, tumbling(2000), (x, y) => ({ id: `${x.seq}-${y.seq}` }), { id: "wj" }).to(
      view("out", { key: (r) => r.id }),
    );
    a.intervalJoin(b, { lower: -300, upper: 300 }, (x, y) => ({ id: `${x.seq}-${y.seq}` }), { id: "ij" }).to(
      view("out2", { key: (r) => r.id }),
    );
  },
  "temporal join": (events) => {
    const probes = events.filter((e) => e.side === "a").keyBy((e) => e.k);
    const table = events.filter((e) => e.side === "b").keyBy((e) => e.k);
    probes
      .temporalJoin(table, (p, row) => ({ id: p.seq, row: row?.seq ?? null }), { id: "tj" })
      .to(view("out", { key: (r) => String(r.id) }));
  },
  "dedupe and top-N": (events) => {
    events
      .keyBy((e) => e.v % 10)
      .dedupe({ within: 1500 }, { id: "dedupe" })
      .map((e) => ({ id: e.seq }))
      .to(view("out", { key: (r) => String(r.id) }));
    events
      .keyBy((e) => e.k)
      .window(tumbling(5000), { id: "counts" })
      .aggregate({ n: count() })
      .topN(2, { by: (r) => r.n }, { id: "top" })
      .to(view("out2", { key: (r) => `${r.windowStart}|${r.rank}` }));
  },
  "process state and timers": (events) => {
    events
      .keyBy((e) => e.k)
      .process<{ key: string; at: number; total: number; seen: number }>(
        {
          onRecord(e, ctx) {
            const total = ctx.value<number>("total");
            total.set((total.get() ?? 0) + e.v);
            ctx.map<number, number>("by-side").set(e.side === "a" ? 0 : 1, e.seq);
            ctx.list<number>("recent").add(e.seq);
            ctx.timers.eventTime(Math.floor(e.t / 2000) * 2000 + 1999);
          },
          onTimer(time, _domain, ctx) {
            ctx.emit({
              key: ctx.key,
              at: time,
              total: ctx.value<number>("total").get() ?? 0,
              seen: ctx.list<number>("recent").get().length,
            });
            ctx.list<number>("recent").clear();
          },
        },
        { id: "proc" },
      )
      .to(view("out", { key: (r) => `${r.key}|${r.at}` }));
  },
};

function build(name: string, source: Source<Ev>): Pipeline {
  const p = new Pipeline("restore");
  PIPELINES[name]!(
    p.source("events", source).withEventTime((e) => e.t, { maxOutOfOrderness: 800 }, { id: "event-time" }),
  );
  return p;
}

function viewRows(store: EmbeddedStore): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const v of ["out", "out2"])
    out[v] = store.views.list(v, { limit: 100_000 }).map((r) => [r.key, r.value]);
  return out;
}

for (const name of Object.keys(PIPELINES)) {
  test(`${name}: stopped after a checkpoint and resumed from the store, the views equal an uninterrupted run`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-restore-"));
    try {
      const whole = new EmbeddedStore(join(dir, "whole"));
      const all = pausingSource(-1);
      await startDurable(build(name, all.source), {
        store: whole,
        clock: new ManualClock(0),
        checkpointInterval: 1e9,
      }).job.done;
      const expected = viewRows(whole);
      whole.close();
      assert.ok(expected.out!.length > 0, "the pipeline produces rows");

      const data = join(dir, "crashed");
      const clock = new ManualClock(0);
      let store = new EmbeddedStore(data);
      const first = pausingSource(12, 18);
      const { job } = startDurable(build(name, first.source), { store, clock, checkpointInterval: 1000 });
      await job.settled();
      clock.advance(1000); // a checkpoint after 12 batches
      await job.settled();
      assert.equal(job.checkpointsCompleted, 1);
      first.release(); // more output after the checkpoint, lost with the "crash"
      await new Promise((resolve) => setTimeout(resolve, 5));
      await job.stop();
      store.close();

      store = new EmbeddedStore(data);
      const second = pausingSource(-1);
      const resumed = startDurable(build(name, second.source), {
        store,
        clock: new ManualClock(0),
        checkpointInterval: 1e9,
      });
      assert.equal(resumed.resumedFrom, 1);
      await resumed.job.done;
      assert.deepEqual(viewRows(store), expected);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
