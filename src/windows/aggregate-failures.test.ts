/**
 * User code that throws inside a window aggregate (a selector, a custom aggregate's add, a value a sketch
 * refuses, a topN score): the record goes to the dead-letter ledger as `failed`, naming the step, and the
 * window's results are exactly those of a run without that record.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { aggregate, approxDistinct, avg, count, last, max, quantile, topK } from "../aggregates/index.js";
import { fromCollection } from "../connectors/collection-source.js";
import { ManualClock } from "../core/clock.js";
import { Pipeline } from "../dataflow/pipeline.js";
import { MemoryDeadLetterLedger } from "../runtime/dead-letter.js";
import { collect } from "../sinks/collect-sink.js";
import { OperatorHarness } from "../testing/operator-harness.js";
import { AggregateSet } from "./aggregate-set.js";
import { SessionWindowOperator } from "./session-window-operator.js";
import { session, sliding, tumbling, type WindowAssigner } from "./window-assigner.js";

/** `fault` says which aggregate's user code fails on the record (0: none). */
interface Rec {
  id: number;
  k: string;
  t: number;
  v: number;
  fault: 0 | 1 | 2 | 3 | 4;
  reading?: { temp: number };
}

/** The message each fault leaves in the dead-letter ledger. */
const faultMessages: Record<number, RegExp> = {
  1: /Cannot read properties of undefined \(reading 'temp'\)/,
  2: /^tally: negative value$/,
  3: /^cannot add NaN to a quantile sketch/,
  4: /^no user$/,
};

const tally = aggregate({
  kind: "tally",
  create: () => ({ total: 0 }),
  add(acc, r: Rec) {
    acc.total += r.v; // changes the accumulator before it throws
    if (r.fault === 2) throw new Error("tally: negative value");
    return acc;
  },
  merge: (a, b) => ({ total: a.total + b.total }),
  result: (acc) => acc.total,
});

// `n` comes first and `tally` in the middle, so a record added to some aggregates and not others would show.
const spec = {
  n: count<Rec>(),
  meanTemp: avg((r: Rec) => r.reading!.temp),
  tally,
  p50: quantile((r: Rec) => (r.fault === 3 ? Number.NaN : r.v), 0.5),
  users: approxDistinct((r: Rec) => {
    if (r.fault === 4) throw new Error("no user");
    return r.k;
  }),
  top: topK((r: Rec) => r.v % 3, 2),
  hi: max((r: Rec) => r.v),
  latest: last((r: Rec) => r.id),
};

async function run(arrival: Rec[], assigner: WindowAssigner, options: { keyed: boolean; batchSize: number }) {
  const p = new Pipeline("failing-aggregates");
  const out = collect<Record<string, unknown>>();
  const events = p
    .source("in", fromCollection(arrival, { batchSize: options.batchSize }))
    .withEventTime((r) => r.t, { maxOutOfOrderness: 1000 });
  const windowed = options.keyed
    ? events.keyBy((r) => r.k).window(assigner, { id: "stats" })
    : events.windowAll(assigner, { id: "stats" });
  windowed.aggregate(spec).to(out as never);
  const deadLetters = new MemoryDeadLetterLedger();
  await p.run({ clock: new ManualClock(0), deadLetters });
  return { rows: out.items.map((r) => JSON.stringify(r)).sort(), deadLetters: deadLetters.entries };
}

const records = fc
  .array(
    fc.tuple(
      fc.constantFrom("a", "b", "c"),
      fc.integer({ min: 0, max: 10_000 }),
      fc.integer({ min: -50, max: 50 }),
      fc.constantFrom(0, 0, 0, 1, 2, 3, 4),
      fc.nat(1000),
    ),
    { minLength: 1, maxLength: 120 },
  )
  .map((xs) =>
    xs.map(([k, t, v, fault, delay], id): Rec & { at: number } => ({
      id,
      k,
      t,
      v,
      fault: fault as Rec["fault"],
      ...(fault === 1 ? {} : { reading: { temp: v / 2 } }),
      at: t + delay, // arrival within the disorder bound (1000)
    })),
  )
  .map((xs) => xs.sort((a, b) => a.at - b.at || a.id - b.id).map(({ at: _, ...r }) => r as Rec));

const assigners = fc.oneof(
  fc.integer({ min: 1, max: 30 }).map((s) => tumbling(s * 100)),
  fc.integer({ min: 1, max: 5 }).map((slide) => sliding(slide * 300, slide * 100)),
  fc.integer({ min: 1, max: 20 }).map((g) => session(g * 100)),
);

test("records on which an aggregate's user code throws are dead-lettered as failed; results equal a run without them", async () => {
  await fc.assert(
    fc.asyncProperty(
      records,
      assigners,
      fc.boolean(),
      fc.integer({ min: 1, max: 40 }),
      async (arrival, assigner, keyed, batchSize) => {
        const withFaults = await run(arrival, assigner, { keyed, batchSize });
        const clean = await run(
          arrival.filter((r) => r.fault === 0),
          assigner,
          { keyed, batchSize },
        );
        assert.deepEqual(withFaults.rows, clean.rows);
        const faulty = arrival.filter((r) => r.fault !== 0);
        assert.deepEqual(
          withFaults.deadLetters.map((d) => [d.stepId, d.reason, (d.record as Rec).id, d.time]),
          faulty.map((r) => ["stats", "failed", r.id, r.t]),
        );
        for (const d of withFaults.deadLetters) {
          assert.match(d.error!, faultMessages[(d.record as Rec).fault]!);
        }
      },
    ),
    { numRuns: 80 },
  );
});

test("a record that fails does not open, extend or merge a session", () => {
  const op = new SessionWindowOperator<Rec>(session(100), new AggregateSet<Rec>(spec), {
    allowedLateness: 0,
    emit: "final",
  });
  const h = new OperatorHarness(op, { stepId: "sessions" });
  const rec = (id: number, t: number, fault: Rec["fault"] = 0): Rec => ({
    id,
    k: "a",
    t,
    v: id,
    fault,
    ...(fault === 1 ? {} : { reading: { temp: 20 } }),
  });
  // 0 and 150 are two sessions; 80 would bridge them, 400 would open a third.
  h.push([rec(1, 0), rec(2, 150), rec(3, 80, 2), rec(4, 400, 1)], [0, 150, 80, 400], {
    keys: ["a", "a", "a", "a"],
  });
  h.end();
  assert.deepEqual(
    h.values().map((r) => [r.windowStart, r.windowEnd, r.n, r.tally]),
    [
      [0, 100, 1, 1],
      [150, 250, 1, 2],
    ],
  );
  assert.deepEqual(
    h.deadLetters.entries.map((d) => [d.stepId, d.reason, (d.record as Rec).id, d.error]),
    [
      ["sessions", "failed", 3, "tally: negative value"],
      ["sessions", "failed", 4, "Cannot read properties of undefined (reading 'temp')"],
    ],
  );
});

test("a window row on which topN's score throws or is NaN is dead-lettered as failed; the others are ranked", async () => {
  interface Click {
    page: string;
    ts: number;
  }
  const clicks: Click[] = [
    { page: "/a", ts: 100 },
    { page: "/a", ts: 200 },
    { page: "/b", ts: 300 },
    { page: "/c", ts: 400 },
    { page: "/c", ts: 500 },
    { page: "/c", ts: 600 },
    { page: "/d", ts: 700 },
    { page: "/d", ts: 800 },
    { page: "/d", ts: 900 },
  ];
  const p = new Pipeline("top-pages");
  const out = collect<{ key: string; n: number; rank: number }>();
  p.source("clicks", fromCollection(clicks))
    .withEventTime((c) => c.ts, { maxOutOfOrderness: 0 })
    .keyBy((c) => c.page)
    .window(tumbling(1000))
    .aggregate({ n: count() })
    .topN(
      2,
      {
        by: (r) => {
          if (r.key === "/c") throw new Error("no score for /c");
          return r.key === "/d" ? Number.NaN : r.n;
        },
      },
      { id: "top" },
    )
    .to(out as never);
  const deadLetters = new MemoryDeadLetterLedger();
  await p.run({ clock: new ManualClock(0), deadLetters });
  assert.deepEqual(
    out.items.map((r) => [r.rank, r.key, r.n]),
    [
      [1, "/a", 2],
      [2, "/b", 1],
    ],
  );
  assert.deepEqual(
    deadLetters.entries.map((d) => [d.stepId, d.reason, (d.record as { key: string }).key, d.time, d.error]),
    [
      ["top", "failed", "/c", 999, "no score for /c"],
      ["top", "failed", "/d", 999, "topN's score must be a number to rank by, got NaN"],
    ],
  );
});
