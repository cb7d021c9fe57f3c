import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { OperatorHarness } from "../testing/operator-harness.js";
import {
  disorderedSchedule,
  runThrough,
  runWithRestore,
  type ScheduledRecord,
} from "./disordered-arrivals.js";
import { IntervalJoinOperator } from "./interval-join.js";

interface Rec {
  readonly side: "L" | "R";
  readonly id: number;
}
const L = (id: number): Rec => ({ side: "L", id });
const R = (id: number): Rec => ({ side: "R", id });
const pair = (l: Rec, r: Rec) => `${l.side}${l.id}+${r.side}${r.id}`;

function joinHarness(lower: number, upper: number) {
  const operator = new IntervalJoinOperator<Rec, Rec, string>({ lower, upper, join: pair });
  return { operator, harness: new OperatorHarness(operator, { inputs: 2 }) };
}

function watermark(h: OperatorHarness<unknown, unknown>, time: number): void {
  h.watermark(time, 0).watermark(time, 1);
}

describe("IntervalJoinOperator", () => {
  it("emits a pair as soon as its second record arrives, with both bounds inclusive, at max(l.time, r.time)", () => {
    const { harness: h } = joinHarness(-2, 3);
    h.push([L(1)], [10], { keys: ["a"], input: 0 });
    assert.equal(h.output.length, 0);
    // r.time ∈ [8, 13] joins L1; 7 and 14 are just outside.
    h.push([R(1), R(2), R(3), R(4), R(5)], [7, 8, 11, 13, 14], { keys: ["a", "a", "a", "a", "a"], input: 1 });
    assert.deepEqual(h.output, [
      { value: "L1+R2", time: 10, key: "a" },
      { value: "L1+R3", time: 11, key: "a" },
      { value: "L1+R4", time: 13, key: "a" },
    ]);
    // A left arriving after the rights: l.time ∈ [r.time - 3, r.time + 2]; rights come in time order.
    h.push([L(2)], [12], { keys: ["a"], input: 0 });
    assert.deepEqual(h.values().slice(3), ["L2+R3", "L2+R4", "L2+R5"]);
    assert.deepEqual(
      h.output.slice(3).map((r) => r.time),
      [12, 13, 14],
    );
  });

  it("only joins equal keys (SameValueZero)", () => {
    const { harness: h } = joinHarness(0, 0);
    h.push([L(1), L(2), L(3)], [5, 5, 5], { keys: [1, 0, Number.NaN], input: 0 });
    h.push([R(1), R(2), R(3)], [5, 5, 5], { keys: ["1", -0, Number.NaN], input: 1 });
    assert.deepEqual(h.values(), ["L2+R2", "L3+R3"]);
  });

  it("supports intervals entirely before or after the left record", () => {
    const before = joinHarness(-10, -5).harness;
    before.push([R(1), R(2)], [0, 6], { keys: ["k", "k"], input: 1 });
    before.push([L(1)], [10], { keys: ["k"], input: 0 });
    assert.deepEqual(before.values(), ["L1+R1"]);
    const after = joinHarness(5, 10).harness;
    after.push([L(1)], [0], { keys: ["k"], input: 0 });
    after.push([R(1), R(2)], [4, 5], { keys: ["k", "k"], input: 1 });
    assert.deepEqual(after.output, [{ value: "L1+R2", time: 5, key: "k" }]);
  });

  it("sends late records to the dead-letter ledger and does not join them", () => {
    const { harness: h } = joinHarness(-5, 5);
    h.push([L(1)], [20], { keys: ["a"], input: 0 });
    watermark(h, 18);
    h.push([R(1), R(2)], [17, 18], { keys: ["a", "a"], input: 1 });
    assert.deepEqual(h.values(), ["L1+R2"]);
    assert.deepEqual(
      h.deadLetters.entries.map((d) => [d.reason, d.record, d.time]),
      [["late", R(1), 17]],
    );
  });

  it("drops a left record once W > l.time + upper and a right record once W > r.time - lower", () => {
    const { operator, harness: h } = joinHarness(-2, 3);
    h.push([L(1)], [10], { keys: ["a"], input: 0 });
    h.push([R(1)], [10], { keys: ["b"], input: 1 });
    assert.equal(operator.stateSize(), 2);
    watermark(h, 12);
    assert.equal(operator.stateSize(), 2, "the right at 10 can still meet a left up to 12");
    watermark(h, 13);
    assert.equal(
      operator.stateSize(),
      1,
      "W = 13 > 10 - (-2): the right is gone; the left can still meet a right at 13",
    );
    h.push([R(2)], [13], { keys: ["a"], input: 1 });
    assert.deepEqual(h.values(), ["L1+R2"]);
    assert.equal(operator.stateSize(), 2);
    watermark(h, 14);
    assert.equal(
      operator.stateSize(),
      1,
      "W = 14 > 10 + 3: the left is gone, the right at 13 waits for lefts up to 15",
    );
    watermark(h, 16);
    assert.equal(operator.stateSize(), 0);
  });

  it("keeps records that can still match at exactly the watermark", () => {
    // Each key has an older record, so the watermark's eviction visits it while the newer one is at its edge.
    const { harness: h } = joinHarness(-2, 3);
    h.push([L(0), L(1)], [9, 10], { keys: ["a", "a"], input: 0 });
    h.push([R(0), R(1)], [9, 10], { keys: ["b", "b"], input: 1 });
    watermark(h, 12);
    // Left 10 can meet a right at 13 once W = 13; right 10 can meet a left at 12 at W = 12.
    h.push([L(2)], [12], { keys: ["b"], input: 0 });
    watermark(h, 13);
    h.push([R(2)], [13], { keys: ["a"], input: 1 });
    assert.deepEqual(h.values(), ["L2+R1", "L1+R2"]);
    // A record whose deadline equals W on arrival is still buffered.
    h.push([L(3)], [13], { keys: ["c"], input: 0 }); // upper 3: rights up to 16
    watermark(h, 16);
    h.push([R(3)], [16], { keys: ["c"], input: 1 });
    assert.deepEqual(h.values().slice(2), ["L3+R3"]);
    const edge = joinHarness(0, 0).harness;
    watermark(edge, 5);
    edge.push([R(1)], [5], { keys: ["k"], input: 1 });
    edge.push([L(1)], [5], { keys: ["k"], input: 0 });
    edge.push([L(2)], [5], { keys: ["j"], input: 0 });
    edge.push([R(2)], [5], { keys: ["j"], input: 1 });
    assert.deepEqual(edge.values(), ["L1+R1", "L2+R2"]);
  });

  it("does not buffer a record that nothing still to come could match", () => {
    const { operator, harness: h } = joinHarness(-10, -5);
    watermark(h, 100);
    h.push([L(1)], [100], { keys: ["a"], input: 0 }); // would need rights ≤ 95 < W
    assert.equal(operator.stateSize(), 0);
  });

  it("cleans many keys through the eviction queue, with out-of-order records per key", () => {
    const { operator, harness: h } = joinHarness(0, 10);
    const keys: number[] = [];
    const times: number[] = [];
    const lefts: Rec[] = [];
    for (let i = 0; i < 2000; i++) {
      keys.push(i % 500);
      times.push(1000 - (i % 7) * 3 + Math.floor(i / 500));
      lefts.push(L(i));
    }
    h.push(lefts, times, { keys, input: 0 });
    assert.equal(operator.stateSize(), 2000);
    watermark(h, 990);
    assert.equal(operator.stateSize(), 2000);
    watermark(h, 1000);
    const left = operator.stateSize();
    assert.ok(left > 0 && left < 2000, `some but not all lefts expired (${left})`);
    watermark(h, 1014);
    assert.equal(operator.stateSize(), 0);
  });

  it("flushes all state at end of input", () => {
    const { operator, harness: h } = joinHarness(-100, 100);
    h.push([L(1), L(2)], [1, 2], { keys: ["a", "b"], input: 0 });
    h.push([R(1)], [3], { keys: ["c"], input: 1 });
    h.end();
    assert.equal(operator.stateSize(), 0);
    assert.ok(h.ended);
    assert.deepEqual(h.watermarks, [Number.POSITIVE_INFINITY]);
  });

  it("rejects bad bounds, a missing join function and unkeyed input", () => {
    assert.throws(() => new IntervalJoinOperator({ lower: 5, upper: 4, join: pair }), RangeError);
    assert.throws(() => new IntervalJoinOperator({ lower: Number.NaN, upper: 4, join: pair }), RangeError);
    assert.throws(() => new IntervalJoinOperator({ lower: 0, upper: 4 } as never), TypeError);
    assert.throws(
      () => joinHarness(0, 1).harness.push([L(1)], [1], { input: 1 }),
      /input 1 of a join is not keyed/,
    );
  });

  it("continues identically after snapshot → JSON → restore, and keeps lateness across it", () => {
    const make = () => new IntervalJoinOperator<Rec, Rec, string>({ lower: -4, upper: 6, join: pair });
    const records: ScheduledRecord<Rec>[] = [];
    for (let i = 0; i < 60; i++) {
      const input = (i % 3 === 0 ? 1 : 0) as 0 | 1;
      records.push({
        input,
        key: i % 2,
        time: i * 2,
        value: input === 0 ? L(i) : R(i),
        delay: (i * 7) % 9,
        cut: i % 4 === 0,
      });
    }
    const steps = disorderedSchedule(records, 8);
    const whole = runThrough(make, steps);
    assert.ok(whole.output.length > 20);
    for (const at of [0, 7, steps.length >> 1, steps.length - 1]) {
      assert.deepEqual(runWithRestore(make, steps, at), whole, `restored at step ${at}`);
    }
    const first = make();
    const h = new OperatorHarness(first, { inputs: 2 });
    watermark(h, 50);
    const second = make();
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    const h2 = new OperatorHarness(second, { inputs: 2 });
    h2.push([L(1)], [49], { keys: ["a"], input: 0 });
    assert.equal(h2.deadLetters.entries.length, 1);
  });

  it("property: any arrival order within the disorder bound gives the nested-loop join, also across a restore", () => {
    const maxDisorder = 12;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            input: fc.constantFrom<0 | 1>(0, 1),
            key: fc.constantFrom<unknown>("a", "b", 3),
            time: fc.integer({ min: 0, max: 40 }),
            delay: fc.integer({ min: 0, max: maxDisorder }),
            cut: fc.boolean(),
          }),
          { maxLength: 60, size: "medium" },
        ),
        fc.integer({ min: -15, max: 15 }),
        fc.integer({ min: 0, max: 20 }),
        fc.nat(),
        (raw, lower, width, cutAt) => {
          const upper = lower + width;
          const records = raw.map((r, id) => ({ ...r, value: r.input === 0 ? L(id) : R(id) }));
          const make = () => new IntervalJoinOperator<Rec, Rec, string>({ lower, upper, join: pair });
          const steps = disorderedSchedule(records, maxDisorder);
          const run = runThrough(make, steps);
          assert.equal(run.deadLetters, 0);
          assert.deepEqual(asMultiset(run.output), nestedLoopIntervalJoin(records, lower, upper));
          assert.deepEqual(runWithRestore(make, steps, cutAt % (steps.length + 1)), run);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("sends a pair on which the join function throws to the dead-letter ledger as failed; the others are emitted", () => {
    const operator = new IntervalJoinOperator<Rec, Rec, string>({
      lower: 0,
      upper: 5,
      join: (l, r) => {
        if (r.id === 2) throw new Error("bad right");
        return pair(l, r);
      },
    });
    const h = new OperatorHarness(operator, { inputs: 2 });
    h.push([L(1)], [1], { keys: ["a"], input: 0 });
    h.push([R(1), R(2)], [2, 3], { keys: ["a", "a"], input: 1 });
    h.end();
    assert.deepEqual(h.values(), [pair(L(1), R(1))]);
    assert.deepEqual(
      h.deadLetters.entries.map((d) => [d.reason, d.record, d.time, d.error]),
      [["failed", { left: L(1), right: R(2) }, 3, "bad right"]],
    );
  });
});

function nestedLoopIntervalJoin(records: ScheduledRecord<Rec>[], lower: number, upper: number): string[] {
  const out: string[] = [];
  for (const l of records) {
    if (l.input !== 0) continue;
    for (const r of records) {
      if (r.input !== 1 || l.key !== r.key) continue;
      if (r.time < l.time + lower || r.time > l.time + upper) continue;
      out.push(JSON.stringify([pair(l.value, r.value), Math.max(l.time, r.time), l.key]));
    }
  }
  return out.sort();
}

function asMultiset(output: Array<{ value: string; time: number; key: unknown }>): string[] {
  return output.map((r) => JSON.stringify([r.value, r.time, r.key])).sort();
}
