import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { OperatorHarness } from "../testing/operator-harness.js";
import { type AlignedWindows, sliding, tumbling, windowStartsFor } from "../windows/window-assigner.js";
import {
  disorderedSchedule,
  runThrough,
  runWithRestore,
  type ScheduledRecord,
} from "./disordered-arrivals.js";
import { type JoinWindow, WindowCoGroupOperator, WindowJoinOperator } from "./window-join.js";

interface Rec {
  readonly side: "L" | "R";
  readonly id: number;
}
const L = (id: number): Rec => ({ side: "L", id });
const R = (id: number): Rec => ({ side: "R", id });
const pair = (l: Rec, r: Rec, w: JoinWindow) => `${l.side}${l.id}+${r.side}${r.id}@${w.start}`;

function joinHarness(assigner: AlignedWindows = tumbling(10)) {
  const operator = new WindowJoinOperator<Rec, Rec, string>({ assigner, join: pair });
  return { operator, harness: new OperatorHarness(operator, { inputs: 2 }) };
}

/** Both inputs' watermarks to `time`, so the step watermark is `time`. */
function watermark(h: OperatorHarness<unknown, unknown>, time: number): void {
  h.watermark(time, 0).watermark(time, 1);
}

describe("WindowJoinOperator", () => {
  it("joins records of the same key in the same tumbling window, left-major in arrival order, when W reaches the end", () => {
    const { harness: h } = joinHarness();
    h.push([L(1), L(2), L(3)], [1, 5, 12], { keys: ["a", "a", "a"], input: 0 });
    h.push([R(1), R(2), R(3)], [9, 2, 15], { keys: ["a", "a", "b"], input: 1 });
    watermark(h, 9);
    assert.equal(h.output.length, 0, "window [0, 10) must not fire before W ≥ 10");
    watermark(h, 10);
    assert.deepEqual(h.values(), ["L1+R1@0", "L1+R2@0", "L2+R1@0", "L2+R2@0"]);
    assert.ok(h.output.every((r) => r.time === 9 && r.key === "a"));
    assert.deepEqual(h.watermarks, [9, 10], "results are emitted before the watermark that fired them");
    watermark(h, 20);
    assert.equal(h.output.length, 4, "L3 (key a) and R3 (key b) have no partner in [10, 20)");
  });

  it("puts a pair into every sliding window both records share, with that window", () => {
    const { harness: h } = joinHarness(sliding(10, 5));
    h.push([L(1)], [7], { keys: ["k"], input: 0 });
    h.push([R(1)], [12], { keys: ["k"], input: 1 });
    h.end();
    // 7 is in [0,10) and [5,15); 12 is in [5,15) and [10,20): they share [5,15) only.
    assert.deepEqual(h.output, [{ value: "L1+R1@5", time: 14, key: "k" }]);
  });

  it("compares keys with SameValueZero: 1 and '1' differ, 0 and -0 match", () => {
    const { harness: h } = joinHarness();
    h.push([L(1), L(2)], [1, 1], { keys: [1, 0], input: 0 });
    h.push([R(1), R(2)], [1, 1], { keys: ["1", -0], input: 1 });
    h.end();
    assert.deepEqual(h.values(), ["L2+R2@0"]);
  });

  it("sends late records (time < W at arrival) to the dead-letter ledger and does not join them", () => {
    const { harness: h } = joinHarness();
    watermark(h, 10);
    h.push([L(1), L(2)], [9, 10], { keys: ["a", "a"], input: 0 });
    h.push([R(1)], [3], { keys: ["a"], input: 1 });
    h.push([R(2)], [15], { keys: ["a"], input: 1 });
    h.end();
    assert.deepEqual(h.values(), ["L2+R2@10"], "a record at exactly W is on time");
    assert.deepEqual(
      h.deadLetters.entries.map((d) => [d.reason, d.stepId, d.record, d.time]),
      [
        ["late", "step-under-test", L(1), 9],
        ["late", "step-under-test", R(1), 3],
      ],
    );
  });

  it("drops a window's state once it fired, and end of input fires everything", () => {
    const { operator, harness: h } = joinHarness(sliding(10, 5));
    h.push([L(1), L(2)], [3, 17], { keys: ["a", "a"], input: 0 });
    h.push([R(1)], [4], { keys: ["a"], input: 1 });
    assert.equal(operator.stateSize(), 6, "each record sits in two sliding windows");
    watermark(h, 10);
    assert.equal(
      operator.stateSize(),
      2,
      "[-5, 5) and [0, 10) fired and were dropped; L2 waits in two windows",
    );
    assert.deepEqual(h.values(), ["L1+R1@-5", "L1+R1@0"]);
    h.end();
    assert.equal(operator.stateSize(), 0);
    assert.equal(h.output.length, 2);
    assert.ok(h.ended);
  });

  it("emits each fired window's results in window order within one batch", () => {
    const { harness: h } = joinHarness();
    h.push([L(1), L(2)], [25, 5], { keys: ["a", "b"], input: 0 });
    h.push([R(1), R(2)], [22, 8], { keys: ["a", "b"], input: 1 });
    watermark(h, 30);
    assert.deepEqual(h.output, [
      { value: "L2+R2@0", time: 9, key: "b" },
      { value: "L1+R1@20", time: 29, key: "a" },
    ]);
  });

  it("rejects unkeyed input, session windows and a missing join function", () => {
    const { harness: h } = joinHarness();
    assert.throws(() => h.push([L(1)], [1], { input: 0 }), /not keyed; call keyBy/);
    assert.throws(
      () =>
        new WindowJoinOperator({
          assigner: { kind: "session", gap: 5 } as unknown as AlignedWindows,
          join: pair,
        }),
      RangeError,
    );
    assert.throws(() => new WindowJoinOperator({ assigner: tumbling(5) } as never), TypeError);
  });

  it("continues identically after snapshot → JSON → restore into a fresh operator", () => {
    const make = () => new WindowJoinOperator<Rec, Rec, string>({ assigner: sliding(10, 5), join: pair });
    const records: ScheduledRecord<Rec>[] = [];
    for (let i = 0; i < 40; i++) {
      records.push({
        input: (i % 3 === 0 ? 1 : 0) as 0 | 1,
        key: i % 2,
        time: i * 3,
        value: i % 3 === 0 ? R(i) : L(i),
        delay: (i * 7) % 11,
        cut: i % 5 === 0,
      });
    }
    const steps = disorderedSchedule(records, 10);
    const whole = runThrough(make, steps);
    assert.ok(whole.output.length > 0);
    for (const at of [0, 5, steps.length >> 1, steps.length - 1]) {
      assert.deepEqual(runWithRestore(make, steps, at), whole, `restored at step ${at}`);
    }
  });

  it("property: any arrival order within the disorder bound gives the nested-loop join, also across a restore", () => {
    const maxDisorder = 15;
    fc.assert(
      fc.property(
        fc.array(scheduledRecordArb(maxDisorder), { maxLength: 60, size: "medium" }),
        fc.constantFrom<AlignedWindows>(
          tumbling(10),
          sliding(12, 4),
          sliding(10, 3),
          tumbling(7, { offset: 3 }),
        ),
        fc.nat(),
        (raw, assigner, cutAt) => {
          const records = withValues(raw);
          const make = () => new WindowJoinOperator<Rec, Rec, string>({ assigner, join: pair });
          const steps = disorderedSchedule(records, maxDisorder);
          const expected = nestedLoopWindowJoin(records, assigner);
          const run = runThrough(make, steps);
          assert.equal(run.deadLetters, 0);
          assert.deepEqual(asMultiset(run.output), expected);
          const restored = runWithRestore(make, steps, steps.length === 0 ? 0 : cutAt % (steps.length + 1));
          assert.deepEqual(restored, run);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("sends a pair on which the join function throws to the dead-letter ledger as failed; the others are emitted", () => {
    const operator = new WindowJoinOperator<Rec, Rec, string>({
      assigner: tumbling(10),
      join: (l, r, w) => {
        if (l.id === 2) throw new Error("bad left");
        return pair(l, r, w);
      },
    });
    const h = new OperatorHarness(operator, { inputs: 2 });
    h.push([L(1), L(2)], [1, 2], { keys: ["a", "a"], input: 0 });
    h.push([R(1)], [3], { keys: ["a"], input: 1 });
    h.end();
    assert.deepEqual(h.values(), ["L1+R1@0"]);
    assert.deepEqual(
      h.deadLetters.entries.map((d) => [d.reason, d.record, d.time, d.error]),
      [["failed", { left: L(2), right: R(1), window: { start: 0, end: 10 } }, 9, "bad left"]],
    );
  });
});

describe("WindowCoGroupOperator", () => {
  it("calls coGroup once per key and window with a record on either side, and emits what it yields at end - 1", () => {
    const calls: unknown[] = [];
    const operator = new WindowCoGroupOperator<Rec, Rec, string, string>({
      assigner: tumbling(10),
      *coGroup(lefts, rights, key, window) {
        calls.push([key, window, lefts.map((l) => l.id), rights.map((r) => r.id)]);
        if (rights.length === 0) for (const l of lefts) yield `${key}:L${l.id}+none`;
        for (const l of lefts) for (const r of rights) yield `${key}:L${l.id}+R${r.id}`;
      },
    });
    const h = new OperatorHarness(operator, { inputs: 2 });
    h.push([L(1), L(2)], [1, 2], { keys: ["a", "b"], input: 0 });
    h.push([R(1), R(2)], [3, 14], { keys: ["a", "c"], input: 1 });
    h.end();
    assert.deepEqual(calls, [
      ["a", { start: 0, end: 10 }, [1], [1]],
      ["b", { start: 0, end: 10 }, [2], []],
      ["c", { start: 10, end: 20 }, [], [2]],
    ]);
    assert.deepEqual(h.output, [
      { value: "a:L1+R1", time: 9, key: "a" },
      { value: "b:L2+none", time: 9, key: "b" },
    ]);
    assert.equal(operator.stateSize(), 0);
  });

  it("sends late records to the dead-letter ledger and round-trips its snapshot", () => {
    const make = () =>
      new WindowCoGroupOperator<Rec, Rec, string>({
        assigner: tumbling(10),
        coGroup: (lefts, rights, key, window) => [
          `${String(key)}@${window.start}:${lefts.length}x${rights.length}`,
        ],
      });
    const first = make();
    const h = new OperatorHarness(first, { inputs: 2 });
    h.push([L(1)], [4], { keys: ["a"], input: 0 });
    watermark(h, 5);
    h.push([R(1), R(2)], [4, 6], { keys: ["a", "a"], input: 1 });
    assert.deepEqual(
      h.deadLetters.entries.map((d) => d.record),
      [R(1)],
    );
    const second = make();
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    const h2 = new OperatorHarness(second, { inputs: 2 });
    h2.push([R(3)], [3], { keys: ["a"], input: 1 });
    assert.equal(h2.deadLetters.entries.length, 1, "the restored watermark still makes time 3 late");
    h2.end();
    assert.deepEqual(h2.values(), ["a@0:1x1"]);
  });

  it("sends a group on which coGroup throws to the dead-letter ledger whole, with none of its partial results", () => {
    const operator = new WindowCoGroupOperator<Rec, Rec, string>({
      assigner: tumbling(10),
      *coGroup(lefts, rights, key) {
        yield `${key}:${lefts.length}/${rights.length}`;
        if (key === "bad") throw new Error("no");
      },
    });
    const h = new OperatorHarness(operator, { inputs: 2 });
    h.push([L(1), L(2)], [1, 2], { keys: ["ok", "bad"], input: 0 });
    h.end();
    assert.deepEqual(h.values(), ["ok:1/0"]);
    assert.deepEqual(
      h.deadLetters.entries.map((d) => [d.reason, d.record, d.time]),
      [["failed", { key: "bad", lefts: [L(2)], rights: [], window: { start: 0, end: 10 } }, 9]],
    );
  });
});

function scheduledRecordArb(maxDisorder: number) {
  return fc.record({
    input: fc.constantFrom<0 | 1>(0, 1),
    key: fc.constantFrom<unknown>("a", "b", 7),
    time: fc.integer({ min: -20, max: 60 }),
    delay: fc.integer({ min: 0, max: maxDisorder }),
    cut: fc.boolean(),
  });
}

function withValues(raw: Array<Omit<ScheduledRecord<Rec>, "value">>): ScheduledRecord<Rec>[] {
  return raw.map((r, id) => ({ ...r, value: r.input === 0 ? L(id) : R(id) }));
}

function nestedLoopWindowJoin(records: ScheduledRecord<Rec>[], assigner: AlignedWindows): string[] {
  const out: string[] = [];
  for (const l of records) {
    if (l.input !== 0) continue;
    for (const r of records) {
      if (r.input !== 1 || l.key !== r.key) continue;
      const rStarts = windowStartsFor(assigner, r.time);
      for (const start of windowStartsFor(assigner, l.time)) {
        if (!rStarts.includes(start)) continue;
        const window = { start, end: start + assigner.size };
        out.push(JSON.stringify([pair(l.value, r.value, window), window.end - 1, l.key]));
      }
    }
  }
  return out.sort();
}

function asMultiset(output: Array<{ value: string; time: number; key: unknown }>): string[] {
  return output.map((r) => JSON.stringify([r.value, r.time, r.key])).sort();
}
