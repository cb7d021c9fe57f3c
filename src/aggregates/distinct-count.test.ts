import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { PipelineDefinitionError } from "../core/errors.js";
import { aggregateConformance } from "./aggregate-conformance.js";
import { addRecord } from "./aggregate-function.js";
import { approxDistinct } from "./distinct-count.js";
import type { HyperLogLog } from "./hyperloglog.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";

const estimate = (values: Iterable<string | number>, precision?: number) => {
  const fn = approxDistinct((v: string | number) => v, { precision });
  let acc: HyperLogLog = fn.create();
  for (const v of values) acc = addRecord(fn, acc, v, 0);
  return fn.result(acc);
};

function* range(n: number, map: (i: number) => string | number): Iterable<string | number> {
  for (let i = 0; i < n; i++) yield map(i);
}

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / expected;

test("approxDistinct is 0 for no records and exact for a handful", () => {
  assert.equal(estimate([]), 0);
  assert.equal(estimate(["a", "b", "a", "c", "b"]), 3);
  assert.equal(estimate([1, 1.0, 2, -0, 0]), 3);
  assert.equal(estimate([1, "1"]), 2);
});

test("repeated values do not change the estimate", () => {
  const once = estimate(range(5000, (i) => `u${i}`));
  assert.equal(estimate(range(25_000, (i) => `u${i % 5000}`)), once);
});

test("approxDistinct is within 1% for 1,000 and within 2% for 100,000 distinct values at precision 14", () => {
  assert.ok(relativeError(estimate(range(1000, (i) => i)), 1000) < 0.01);
  const datasets: Array<[string, (i: number) => string | number]> = [
    ["sequential integers", (i) => i],
    ["fractions", (i) => i / 10],
    ["user ids", (i) => `user-${i}`],
  ];
  for (const [name, map] of datasets) {
    const err = relativeError(estimate(range(100_000, map)), 100_000);
    assert.ok(err < 0.02, `${name}: relative error ${(err * 100).toFixed(2)}%`);
  }
});

test("approxDistinct stays within 2% through the small-to-large transition (around 2.5 × 16,384)", () => {
  for (const n of [25_000, 40_000, 60_000]) {
    const err = relativeError(estimate(range(n, (i) => `session-${i}`)), n);
    assert.ok(err < 0.02, `${n} values: relative error ${(err * 100).toFixed(2)}%`);
  }
});

test("lower precision trades accuracy for size", () => {
  const err = relativeError(
    estimate(
      range(100_000, (i) => `user-${i}`),
      10,
    ),
    100_000,
  );
  assert.ok(err < 0.1, `relative error ${(err * 100).toFixed(2)}% at precision 10`);
});

test("merging sketches of overlapping sets estimates their union", () => {
  const fn = approxDistinct((v: number) => v);
  let a = fn.create();
  let b = fn.create();
  for (let i = 0; i < 60_000; i++) a = addRecord(fn, a, i, 0);
  for (let i = 40_000; i < 100_000; i++) b = addRecord(fn, b, i, 0);
  assert.ok(relativeError(fn.result(fn.merge(a, b)), 100_000) < 0.02);
});

test("a sketch of few values checkpoints small; a full one as base64 registers", () => {
  const fn = approxDistinct((v: number) => v);
  let acc = fn.create();
  for (let i = 0; i < 10; i++) acc = addRecord(fn, acc, i, 0);
  assert.ok(JSON.stringify(fn.snapshot(acc)).length < 200);
  for (let i = 0; i < 50_000; i++) acc = addRecord(fn, acc, i, 0);
  const saved = JSON.stringify(fn.snapshot(acc));
  assert.ok(saved.length < 23_000, `${saved.length} characters`);
  assert.equal(fn.result(fn.restore(JSON.parse(saved))), fn.result(acc));
});

test("approxDistinct rejects a bad precision and snapshots of another precision", () => {
  for (const precision of [3, 19, 12.5]) {
    assert.throws(() => approxDistinct((v: number) => v, { precision }), PipelineDefinitionError);
  }
  const p12 = approxDistinct((v: number) => v, { precision: 12 });
  const p14 = approxDistinct((v: number) => v);
  assert.throws(() => p14.restore(p12.snapshot(p12.create())), InvalidSnapshotError);
  assert.throws(() => p14.restore({ precision: 14, registers: "AAAA" }), InvalidSnapshotError);
  assert.throws(() => p14.restore({ precision: 14, sparse: [0] }), InvalidSnapshotError);
});

const mixed = fc.oneof(fc.integer({ min: 0, max: 400 }), fc.string({ maxLength: 3 }));
aggregateConformance("approxDistinct (precision 14, sparse)", {
  make: () => approxDistinct((v: string | number) => v),
  record: mixed,
  empty: 0,
});
aggregateConformance("approxDistinct (precision 10, sparse then dense)", {
  make: () => approxDistinct((v: string | number) => v, { precision: 10 }),
  record: mixed,
  empty: 0,
  maxRecords: 200,
});
aggregateConformance("approxDistinct (precision 4, dense)", {
  make: () => approxDistinct((v: string | number) => v, { precision: 4 }),
  record: mixed,
  empty: 0,
});
