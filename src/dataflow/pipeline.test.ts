import assert from "node:assert/strict";
import { test } from "node:test";
import { count, sum } from "../aggregates/index.js";
import { fromCollection } from "../connectors/collection-source.js";
import { pushSource } from "../connectors/push-source.js";
import { ManualClock } from "../core/clock.js";
import { PipelineDefinitionError } from "../core/errors.js";
import { MemoryDeadLetterLedger } from "../runtime/dead-letter.js";
import { collect } from "../sinks/collect-sink.js";
import { session, sliding, tumbling } from "../windows/window-assigner.js";
import { Pipeline } from "./pipeline.js";

interface Click {
  user: string;
  page: string;
  ts: number;
}

const clicks: Click[] = [
  { user: "ann", page: "/", ts: 1000 },
  { user: "bob", page: "/a", ts: 1500 },
  { user: "ann", page: "/a", ts: 2000 },
  { user: "ann", page: "/b", ts: 9000 },
  { user: "bob", page: "/", ts: 12_000 },
];

test("map, filter, flatMap, union and branch transform records and keep their event times", async () => {
  const p = new Pipeline("stateless");
  const src = p.source("clicks", fromCollection(clicks, { times: clicks.map((c) => c.ts) }));
  const upper = src.map((c) => ({ ...c, user: c.user.toUpperCase() })).filter((c) => c.page !== "/");
  const letters = src.flatMap((c) => c.page.replace("/", "").split("").filter(Boolean));
  const both = upper.map((c) => c.page).union(letters);
  const routed = src.branch({ ann: (c) => c.user === "ann", other: () => true });
  const all = collect<string>();
  const ann = collect<Click>();
  const other = collect<Click>();
  both.to(all);
  routed.ann.to(ann);
  routed.other.to(other);
  await p.run({ clock: new ManualClock(0) });
  assert.deepEqual([...all.items].sort(), ["/a", "/a", "/b", "a", "a", "b"]);
  assert.deepEqual(
    ann.items.map((c) => c.ts),
    [1000, 2000, 9000],
  );
  assert.deepEqual(
    other.items.map((c) => c.user),
    ["bob", "bob"],
  );
  assert.deepEqual(other.times, [1500, 12_000], "event times travel with records");
});

test("a record on which user code throws goes to the dead-letter ledger with the step id; the rest continue", async () => {
  const p = new Pipeline("failing");
  const out = collect<number>();
  p.source("n", fromCollection([1, 2, 0, 4]))
    .map(
      (n) => {
        if (n === 0) throw new Error("division by zero");
        return 12 / n;
      },
      { id: "invert" },
    )
    .to(out);
  const deadLetters = new MemoryDeadLetterLedger();
  await p.run({ clock: new ManualClock(0), deadLetters });
  assert.deepEqual(out.items, [12, 6, 3]);
  assert.equal(deadLetters.entries.length, 1);
  assert.deepEqual(
    { ...deadLetters.entries[0], at: 0 },
    { stepId: "invert", reason: "failed", record: 0, time: 0, at: 0, error: "division by zero" },
  );
});

test("step ids are derived per verb, can be given, and must be unique", () => {
  const p = new Pipeline("ids");
  const s = p.source("in", fromCollection([1]));
  assert.equal(s.map((x) => x).id, "map-1");
  assert.equal(s.map((x) => x).id, "map-2");
  assert.equal(s.map((x) => x, { id: "double" }).id, "double");
  assert.throws(() => s.map((x) => x, { id: "double" }), PipelineDefinitionError);
  assert.throws(() => s.map((x) => x, { id: "has space" }), /must be letters/);
  assert.throws(() => new Pipeline("p").start(), /has no source/);
});

test("tumbling windows per key with a manual clock: results appear only when the watermark passes the end", async () => {
  const src = pushSource<Click>();
  const p = new Pipeline("live");
  const out = collect<{ key: string; windowStart: number; windowEnd: number; n: number }>();
  p.source("clicks", src)
    .withEventTime((c) => c.ts, { maxOutOfOrderness: "1s" })
    .keyBy((c) => c.user)
    .window(tumbling("5s"))
    .aggregate({ n: count() })
    .to(out);
  const job = p.start({ clock: new ManualClock(0) });
  src.push(clicks.slice(0, 3));
  await job.settled();
  assert.deepEqual(out.items, [], "watermark 1000 < window end 5000");
  src.push([clicks[3]!]);
  await job.settled();
  assert.deepEqual(out.items, [
    { key: "ann", windowStart: 0, windowEnd: 5000, n: 2 },
    { key: "bob", windowStart: 0, windowEnd: 5000, n: 1 },
  ]);
  assert.deepEqual(out.times, [4999, 4999], "a window's result has event time end - 1");
  src.end();
  await job.done;
  assert.equal(out.items.length, 3, "end of input fires the open window of ann at [5000, 10000)");
});

test("allowed lateness: a late record within it re-emits the window; beyond it goes to the late output", async () => {
  const src = pushSource<Click>();
  const p = new Pipeline("late");
  const out = collect<{ key: string; windowStart: number; n: number; total: number }>();
  const late = collect<Click>();
  const win = p
    .source("clicks", src)
    .withEventTime((c) => c.ts, { maxOutOfOrderness: 0 })
    .keyBy((c) => c.user)
    .window(tumbling("5s"), { allowedLateness: "3s" })
    .aggregate({ n: count(), total: sum((c: Click) => c.ts) });
  win.to(out);
  win.late().to(late);
  const job = p.start({ clock: new ManualClock(0) });
  src.push([{ user: "ann", page: "/", ts: 1000 }]);
  src.push([{ user: "ann", page: "/", ts: 6000 }]); // W = 6000: [0,5000) fires
  src.push([{ user: "ann", page: "/", ts: 2000 }]); // late, 5000 + 3000 > 6000: updates and re-emits
  src.push([{ user: "ann", page: "/", ts: 9000 }]); // W = 9000
  src.push([{ user: "ann", page: "/", ts: 3000 }]); // late, 5000 + 3000 <= 9000: too late
  src.end();
  await job.done;
  assert.deepEqual(
    out.items.filter((r) => r.windowStart === 0).map((r) => r.n),
    [1, 2],
    "first the on-time result, then the update",
  );
  assert.deepEqual(
    late.items.map((c) => c.ts),
    [3000],
  );
});

test("late records go to the dead-letter ledger by default, never silently away", async () => {
  const p = new Pipeline("late-dlq");
  const rows = [5000, 20_000, 1000].map((ts) => ({ user: "x", page: "/", ts }));
  p.source("clicks", fromCollection(rows, { batchSize: 1 }))
    .withEventTime((c) => c.ts, { maxOutOfOrderness: 0 })
    .keyBy((c) => c.user)
    .window(sliding("10s", "5s"), { id: "per-user" })
    .aggregate({ n: count() })
    .to(collect());
  const deadLetters = new MemoryDeadLetterLedger();
  await p.run({ clock: new ManualClock(0), deadLetters });
  assert.deepEqual(
    deadLetters.entries.map((d) => [d.stepId, d.reason, d.time]),
    [["per-user", "late", 1000]],
  );
});

test("emit: updates gives a result after every batch that changes a window", async () => {
  const p = new Pipeline("updates");
  const out = collect<{ key: string; n: number }>();
  p.source("clicks", fromCollection(clicks.slice(0, 3), { batchSize: 1 }))
    .withEventTime((c) => c.ts, { maxOutOfOrderness: 0 })
    .keyBy((c) => c.user)
    .window(session("5s"))
    .aggregate({ n: count() }, { emit: "updates" })
    .to(out);
  await p.run({ clock: new ManualClock(0) });
  assert.deepEqual(
    out.items.map((r) => [r.key, r.n]),
    [
      ["ann", 1],
      ["bob", 1],
      ["ann", 2],
    ],
  );
});

test("keyed process: per-key value state, event-time timers fire once the watermark passes them", async () => {
  const p = new Pipeline("process");
  const out = collect<string>();
  p.source("clicks", fromCollection(clicks, { batchSize: 1 }))
    .withEventTime((c) => c.ts, { maxOutOfOrderness: 0 })
    .keyBy((c) => c.user)
    .process<string>({
      onRecord(c, ctx) {
        const seen = ctx.value<number>("seen");
        seen.set((seen.get() ?? 0) + 1);
        ctx.list<string>("pages").add(c.page);
        ctx.timers.eventTime(c.ts + 2000);
      },
      onTimer(time, domain, ctx) {
        ctx.emit(
          `${ctx.key}@${time}/${domain}: ${ctx.value<number>("seen").get()} ${ctx.list<string>("pages").get().join(",")}`,
        );
      },
    })
    .to(out);
  await p.run({ clock: new ManualClock(0) });
  // Timers at 3000, 3500 and 4000 fire when the record at 9000 moves the watermark past them.
  assert.deepEqual(out.items, [
    "ann@3000/event: 3 /,/a,/b",
    "bob@3500/event: 1 /a",
    "ann@4000/event: 3 /,/a,/b",
    "ann@11000/event: 3 /,/a,/b",
    "bob@14000/event: 2 /a,/",
  ]);
});

test("keyed process: processing-time timers fire on the injected clock", async () => {
  const clock = new ManualClock(0);
  const src = pushSource<Click>();
  const p = new Pipeline("proc-time");
  const out = collect<string>();
  p.source("clicks", src)
    .keyBy((c) => c.user)
    .process<string>({
      onRecord(_c, ctx) {
        ctx.timers.processingTime(ctx.processingTime + 60_000);
      },
      onTimer(time, domain, ctx) {
        ctx.emit(`${ctx.key} ${domain} ${time}`);
      },
    })
    .to(out);
  const job = p.start({ clock });
  src.push([clicks[0]!]);
  await job.settled();
  clock.advance(59_999);
  await job.settled();
  assert.deepEqual(out.items, []);
  clock.advance(1);
  await job.settled();
  assert.deepEqual(out.items, ["ann processing 60000"]);
  src.end();
  await job.done;
});

test("dedupe lets the first record of a key through and drops repeats within the bound", async () => {
  const p = new Pipeline("dedupe");
  const out = collect<Click>();
  const rows = [0, 1000, 4000, 6000, 6500].map((ts) => ({ user: "ann", page: "/", ts }));
  p.source("clicks", fromCollection(rows, { batchSize: 2 }))
    .withEventTime((c) => c.ts, { maxOutOfOrderness: 0 })
    .keyBy((c) => c.user)
    .dedupe({ within: "5s" })
    .to(out);
  await p.run({ clock: new ManualClock(0) });
  assert.deepEqual(
    out.items.map((c) => c.ts),
    [0, 6000],
  );
});

test("topN ranks each window's rows", async () => {
  const p = new Pipeline("top");
  const out = collect<{ key: string; n: number; rank: number; windowStart: number }>();
  const pages = ["/a", "/b", "/a", "/c", "/a", "/b", "/d"].map((page, i) => ({
    user: "u",
    page,
    ts: i * 100,
  }));
  p.source("clicks", fromCollection(pages))
    .withEventTime((c) => c.ts, { maxOutOfOrderness: 0 })
    .keyBy((c) => c.page)
    .window(tumbling("1m"))
    .aggregate({ n: count() })
    .topN(2, { by: (r) => r.n })
    .to(out);
  await p.run({ clock: new ManualClock(0) });
  assert.deepEqual(
    out.items.map((r) => [r.rank, r.key, r.n]),
    [
      [1, "/a", 3],
      [2, "/b", 2],
    ],
  );
});

test("a checkpoint restores into a new job that finishes with the same results as an uninterrupted run", async () => {
  const rows = Array.from({ length: 400 }, (_, i) => ({ user: `u${i % 7}`, page: "/", ts: i * 250 }));
  const build = () => {
    const src = pushSource<Click>();
    const p = new Pipeline("restore");
    const out = collect<{ key: string; windowStart: number; n: number }>();
    const keyed = p
      .source("clicks", src)
      .withEventTime((c) => c.ts, { maxOutOfOrderness: "2s" })
      .keyBy((c) => c.user);
    keyed.window(sliding("10s", "5s"), { id: "slide" }).aggregate({ n: count() }).to(out);
    keyed.window(session("1s"), { id: "sess" }).aggregate({ n: count() }).to(out);
    return { src, p, out };
  };
  const whole = build();
  const j0 = whole.p.start({ clock: new ManualClock(0) });
  for (let i = 0; i < rows.length; i += 20) whole.src.push(rows.slice(i, i + 20));
  whole.src.end();
  await j0.done;

  const first = build();
  const j1 = first.p.start({ clock: new ManualClock(0) });
  for (let i = 0; i < 200; i += 20) first.src.push(rows.slice(i, i + 20));
  await j1.settled();
  const checkpoint = JSON.parse(JSON.stringify(await j1.checkpoint()));
  const before = first.out.items.length;
  await j1.stop();

  const second = build();
  const j2 = second.p.start({ clock: new ManualClock(0), restoreFrom: checkpoint });
  for (let i = checkpoint.sources.clicks * 20; i < rows.length; i += 20)
    second.src.push(rows.slice(i, i + 20));
  second.src.end();
  await j2.done;
  const norm = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();
  assert.deepEqual(norm([...first.out.items.slice(0, before), ...second.out.items]), norm(whole.out.items));
});
