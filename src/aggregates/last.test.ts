import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { aggregateConformance, fold, type TimedRecord } from "./aggregate-conformance.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";
import { last } from "./last.js";

interface Tick {
  label: string;
}

const fn = last((t: Tick) => t.label);
const resultOf = (input: TimedRecord<Tick>[]) => fn.result(fold(fn, input));

test("last follows event time, not arrival order; null for no records", () => {
  const input = [
    { record: { label: "mid" }, time: 2000 },
    { record: { label: "open" }, time: 1000 },
    { record: { label: "close" }, time: 3000 },
  ];
  assert.equal(resultOf(input), "close");
  assert.equal(fn.result(fn.create()), null);
});

test("last keeps the latest-added record among equal times", () => {
  const input = [
    { record: { label: "a" }, time: 5000 },
    { record: { label: "b" }, time: 1000 },
    { record: { label: "c" }, time: 1000 },
    { record: { label: "d" }, time: 1000 },
  ];
  assert.equal(resultOf(input), "a");
  assert.equal(resultOf([...input, { record: { label: "e" }, time: 5000 }]), "e");
});

test("last matches a reference scan over random input", () => {
  const arb = fc.array(
    fc.record({ record: fc.record({ label: fc.string() }), time: fc.integer({ min: 0, max: 9 }) }),
  );
  fc.assert(
    fc.property(arb, (input) => {
      let best: TimedRecord<Tick> | undefined;
      for (const e of input) {
        const t = e.time;
        if (best === undefined || t >= best.time) best = e;
      }
      assert.equal(resultOf(input), best === undefined ? null : best.record.label);
    }),
  );
});

test("last restores only { time, value } or null snapshots", () => {
  assert.throws(() => fn.restore({ value: "x" }), InvalidSnapshotError);
  assert.throws(() => fn.restore(5), InvalidSnapshotError);
  assert.equal(fn.result(fn.restore(null)), null);
});

aggregateConformance("last", {
  make: () => last((r: { id: number }) => r.id),
  record: fc.record({ id: fc.integer() }),
  empty: null,
});
