import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { fromCollection } from "../connectors/collection-source.js";
import { pushSource } from "../connectors/push-source.js";
import { ManualClock } from "../core/clock.js";
import { Pipeline } from "../dataflow/pipeline.js";
import { collect } from "../sinks/collect-sink.js";
import { MemoryStateBackend } from "../state/memory-state-backend.js";
import type { StateBackend } from "../state/state-backend.js";
import { OperatorHarness } from "../testing/operator-harness.js";
import { type KeyedProcessFunction, ProcessOperator } from "./process.js";

const STEP = "step-under-test";
const MINUTE = 60_000;

/** Counts records per key and emits the running count. */
const counter: KeyedProcessFunction<string, string, number> = {
  onRecord(_r, ctx) {
    const n = ctx.value<number>("n");
    const next = (n.get() ?? 0) + 1;
    n.set(next);
    ctx.emit(next);
  },
};

function harness(ttlMs: number, fn = counter, state: StateBackend = new MemoryStateBackend()) {
  const op = new ProcessOperator<string, string, number>(fn, { stateTtlMs: ttlMs });
  const h = new OperatorHarness(op, { state });
  return { op, h, state };
}

function push(h: OperatorHarness<string, number>, key: string, time: number) {
  h.push([key], [time], { keys: [key] });
}

describe("process stateTtl", () => {
  it("deletes an idle key's state once the watermark passes its last record + TTL: a counter restarts at 1", () => {
    const { h, state } = harness(MINUTE);
    push(h, "a", 0);
    push(h, "a", 10_000);
    h.watermark(10_000 + MINUTE);
    assert.equal(state.table(STEP, "value:n").get("a"), 2, "at exactly last + TTL the state is still there");
    h.watermark(10_001 + MINUTE);
    assert.equal(state.table(STEP, "value:n").size, 0);
    push(h, "a", 80_000);
    assert.deepEqual(h.values(), [1, 2, 1]);
  });

  it("gives a record arriving more than the TTL after its key's previous one empty state, watermark or not", () => {
    const { h } = harness(MINUTE);
    push(h, "a", 0);
    push(h, "a", MINUTE);
    push(h, "a", 2 * MINUTE + 1);
    assert.deepEqual(h.values(), [1, 2, 1]);
  });

  it("gives the same results however records are cut into batches and watermarks (property)", () => {
    const ttl = 1000;
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.constantFrom("a", "b", "c"), gap: fc.integer({ min: 0, max: 1500 }) }), {
          maxLength: 60,
        }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1 }),
        (steps, cuts) => {
          let time = 0;
          const records = steps.map((s) => ({ key: s.key, time: (time += s.gap) }));
          // Reference: a key's count restarts when it had no record for more than the TTL.
          const last = new Map<string, number>();
          const count = new Map<string, number>();
          const expected = records.map(({ key, time }) => {
            const prev = last.get(key);
            const n = prev !== undefined && time - prev <= ttl ? count.get(key)! + 1 : 1;
            last.set(key, time);
            count.set(key, n);
            return n;
          });
          const { h } = harness(ttl);
          for (let i = 0, c = 0; i < records.length; c++) {
            const batch = records.slice(i, i + cuts[c % cuts.length]!);
            i += batch.length;
            const keys = batch.map((r) => r.key);
            h.push(
              keys,
              batch.map((r) => r.time),
              { keys },
            );
            h.watermark(batch[batch.length - 1]!.time);
          }
          assert.deepEqual(h.values(), expected);
        },
      ),
    );
  });

  it("keeps the state of a key that keeps receiving records, and of keys not yet idle long enough", () => {
    const { h } = harness(MINUTE);
    for (let t = 0; t <= 10 * MINUTE; t += 30_000) {
      push(h, "busy", t);
      h.watermark(t);
    }
    push(h, "late-start", 10 * MINUTE);
    h.watermark(10 * MINUTE + 59_000);
    push(h, "busy", 10 * MINUTE + 59_000);
    push(h, "late-start", 10 * MINUTE + 59_000);
    const byKey = (k: string) => h.output.filter((r) => r.key === k).map((r) => r.value);
    assert.deepEqual(
      byKey("busy"),
      Array.from({ length: 22 }, (_, i) => i + 1),
    );
    assert.deepEqual(byKey("late-start"), [1, 2]);
  });

  it("deletes the key from every value, map and list table of the step, and leaves other keys alone", () => {
    const fn: KeyedProcessFunction<string, string, number> = {
      onRecord(r, ctx) {
        ctx.value<string>("v").set(r);
        ctx.map<string, number>("m").set(r, 1);
        ctx.list<number>("l").add(ctx.time);
      },
    };
    const { h, state } = harness(1000, fn);
    push(h, "old", 0);
    push(h, "new", 5000);
    h.watermark(5000);
    for (const name of ["value:v", "map:m", "list:l"]) {
      const table = state.table(STEP, name);
      assert.deepEqual([...table.keys()], ["new"], name);
    }
  });

  it("still fires user timers of an expired key, and state they write expires in turn", () => {
    const fn: KeyedProcessFunction<string, string, number> = {
      onRecord(_r, ctx) {
        ctx.value<number>("n").set(1);
        ctx.timers.eventTime(ctx.time + 10_000);
      },
      onTimer(time, _domain, ctx) {
        ctx.emit(ctx.value<number>("n").get() ?? -1, time);
        ctx.value<number>("n").set(2);
      },
    };
    const { h, state, op } = harness(1000, fn);
    push(h, "k", 0);
    h.watermark(10_001);
    assert.deepEqual(h.values(), [-1], "the timer fired after the state expired");
    assert.equal(state.table(STEP, "value:n").get("k"), 2);
    h.watermark(11_001);
    assert.equal(state.table(STEP, "value:n").size, 0);
    assert.equal(op.trackedKeyCount(), 0);
  });

  it("lets a user timer at the deadline see the state before it is deleted", () => {
    const fn: KeyedProcessFunction<string, string, number> = {
      onRecord(_r, ctx) {
        ctx.value<number>("n").set(7);
        ctx.timers.eventTime(ctx.time + 1000);
      },
      onTimer(_time, _domain, ctx) {
        ctx.emit(ctx.value<number>("n").get() ?? -1);
      },
    };
    const { h } = harness(1000, fn);
    push(h, "k", 0);
    h.watermark(Number.POSITIVE_INFINITY);
    assert.deepEqual(h.values(), [7]);
  });

  it("keeps expiring after a snapshot is restored into a new operator that has not opened its tables yet", () => {
    const first = harness(MINUTE);
    push(first.h, "idle", 0);
    push(first.h, "active", 0);
    first.h.watermark(30_000);
    first.h.barrier(1);
    const saved = JSON.parse(
      JSON.stringify({ step: first.h.snapshots.get(1), state: first.state.snapshot() }),
    ) as { step: { operator: unknown }; state: ReturnType<StateBackend["snapshot"]> };

    const restoredState = () => {
      const state = new MemoryStateBackend();
      state.restore(saved.state);
      return state;
    };
    const second = harness(MINUTE, counter, restoredState());
    second.op.restore(saved.step.operator);
    second.h.watermark(MINUTE + 1);
    assert.equal(second.state.table(STEP, "value:n").size, 0, "both keys expired without any new record");

    const third = harness(MINUTE, counter, restoredState());
    third.op.restore(saved.step.operator);
    push(third.h, "active", 50_000);
    third.h.watermark(MINUTE + 1);
    assert.deepEqual([...third.state.table(STEP, "value:n").keys()], ["active"]);
    push(third.h, "active", 60_000);
    push(third.h, "idle", 60_000);
    assert.deepEqual(third.h.values(), [2, 3, 1]);
  });

  it("keeps the state tables bounded over an unbounded key space", () => {
    const { h, state, op } = harness(1000);
    const table = state.table(STEP, "value:n");
    let maxSize = 0;
    // 100,000 distinct keys, 100 per 100 ms of event time: a TTL of 1 s holds about 1,100 of them.
    for (let batch = 0; batch < 1000; batch++) {
      const keys = Array.from({ length: 100 }, (_, i) => `k${batch * 100 + i}`);
      const time = batch * 100;
      h.push(keys, new Array(100).fill(time), { keys });
      h.watermark(time);
      maxSize = Math.max(maxSize, table.size);
    }
    assert.ok(maxSize <= 1200, `table grew to ${maxSize} keys`);
    assert.ok(op.trackedKeyCount() <= 1200);
    assert.equal(h.output.length, 100_000);
  });

  it("without stateTtl, state is kept however long a key is idle", () => {
    const op = new ProcessOperator<string, string, number>(counter);
    const h = new OperatorHarness(op);
    push(h, "a", 0);
    h.watermark(365 * 86_400_000);
    push(h, "a", 365 * 86_400_000);
    assert.deepEqual(h.values(), [1, 2]);
    assert.equal(op.trackedKeyCount(), 0);
  });

  it("rejects a negative or non-finite TTL", () => {
    assert.throws(() => new ProcessOperator(counter, { stateTtlMs: -1 }), /stateTtl/);
    assert.throws(() => new ProcessOperator(counter, { stateTtlMs: Number.NaN }), /stateTtl/);
  });
});

describe("KeyedStream.process({ stateTtl })", () => {
  it("restarts a counter after the key was idle longer than the TTL", async () => {
    const events = [
      { user: "ann", ts: 0 },
      { user: "ann", ts: 30_000 },
      { user: "bob", ts: 40_000 },
      { user: "ann", ts: 200_000 },
      { user: "bob", ts: 210_000 },
      { user: "ann", ts: 230_000 },
    ];
    const p = new Pipeline("ttl");
    const out = collect<string>();
    p.source("clicks", fromCollection(events, { batchSize: 1 }))
      .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
      .keyBy((e) => e.user)
      .process<string>(
        {
          onRecord(e, ctx) {
            const n = ctx.value<number>("n");
            n.set((n.get() ?? 0) + 1);
            ctx.emit(`${e.user}:${n.get()}`);
          },
        },
        { id: "count", stateTtl: "1m" },
      )
      .to(out);
    await p.run({ clock: new ManualClock(0) });
    assert.deepEqual(out.items, ["ann:1", "ann:2", "bob:1", "ann:1", "bob:1", "ann:2"]);
  });

  it("rejects a malformed stateTtl when the pipeline is built", () => {
    const p = new Pipeline("bad-ttl");
    const keyed = p.source("s", fromCollection([1])).keyBy((n) => n);
    assert.throws(() => keyed.process({ onRecord() {} }, { stateTtl: "soon" as never }), /process stateTtl/);
  });

  it("carries expiry through a checkpoint into a restored job", async () => {
    const build = () => {
      const src = pushSource<{ user: string; ts: number }>();
      const p = new Pipeline("ttl-restore");
      const out = collect<string>();
      p.source("clicks", src)
        .withEventTime((e) => e.ts, { maxOutOfOrderness: 0 })
        .keyBy((e) => e.user)
        .process<string>(
          {
            onRecord(e, ctx) {
              const n = ctx.value<number>("n");
              n.set((n.get() ?? 0) + 1);
              ctx.emit(`${e.user}:${n.get()}`);
            },
          },
          { id: "count", stateTtl: "1m" },
        )
        .to(out);
      return { src, p, out };
    };
    const first = build();
    const j1 = first.p.start({ clock: new ManualClock(0) });
    first.src.push([
      { user: "ann", ts: 0 },
      { user: "bob", ts: 0 },
    ]);
    first.src.push([{ user: "ann", ts: 50_000 }]);
    await j1.settled();
    const checkpoint = JSON.parse(JSON.stringify(await j1.checkpoint()));
    await j1.stop();

    const second = build();
    const j2 = second.p.start({ clock: new ManualClock(0), restoreFrom: checkpoint });
    second.src.push([{ user: "carl", ts: 100_000 }]); // watermark 100 s: bob (last 0 s) expires, ann (50 s) not
    second.src.push([
      { user: "ann", ts: 100_000 },
      { user: "bob", ts: 100_000 },
    ]);
    second.src.end();
    await j2.done;
    assert.deepEqual(first.out.items, ["ann:1", "bob:1", "ann:2"]);
    assert.deepEqual(second.out.items, ["carl:1", "ann:3", "bob:1"]);
  });
});
