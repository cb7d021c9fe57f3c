import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { aggregateConformance, fold, type TimedRecord } from "./aggregate-conformance.js";
import { first } from "./first.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";

interface Tick {
  label: string;
}

const fn = first((t: Tick) => t.label);
const resultOf = (input: TimedRecord<Tick>[]) => fn.result(fold(fn, input));

test("first follows event time, not arrival order; null for no records", () => {
  const input = [
    { record: { label: "mid" }, time: 2000 },
    { record: { label: "open" }, time: 1000 },
    { record: { label: "close" }, time: 3000 },
  ];
  assert.equal(resultOf(input), "open");
  assert.equal(fn.result(fn.create()), null);
});

test("first keeps the earliest-added record among equal times", () => {
  const input = [
    { record: { label: "a" }, time: 5000 },
    { record: { label: "b" }, time: 1000 },
    { record: { label: "c" }, time: 1000 },
    { record: { label: "d" }, time: 1000 },
  ];
  assert.equal(resultOf(input), "b");
});

test("first matches a reference scan over random input", () => {
  const arb = fc.array(
    fc.record({ record: fc.record({ label: fc.string() }), time: fc.integer({ min: 0, max: 9 }) }),
  );
  fc.assert(
    fc.property(arb, (input) => {
      let best: TimedRecord<Tick> | undefined;
      for (const e of input) {
        const t = e.time;
        if (best === undefined || t < best.time) best = e;
      }
      assert.equal(resultOf(input), best === undefined ? null : best.record.label);
    }),
  );
});

test("first restores only { time, value } or null snapshots", () => {
  assert.throws(() => fn.restore({ value: "x" }), InvalidSnapshotError);
  assert.throws(() => fn.restore(5), InvalidSnapshotError);
  assert.equal(fn.result(fn.restore(null)), null);
});

aggregateConformance("first", {
  make: () => first((r: { id: number }) => r.id),
  record: fc.record({ id: fc.integer() }),
  empty: null,
});
