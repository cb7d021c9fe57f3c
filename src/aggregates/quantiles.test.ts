import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { PipelineDefinitionError } from "../core/errors.js";
import { aggregateConformance } from "./aggregate-conformance.js";
import { addRecord } from "./aggregate-function.js";
import type { DDSketch } from "./dd-sketch.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";
import { quantile, quantileKey, quantiles } from "./quantiles.js";

const sketchOf = (xs: readonly number[], relativeAccuracy?: number) => {
  const fn = quantile((x: number) => x, 0.5, { relativeAccuracy });
  let acc: DDSketch = fn.create();
  for (const x of xs) acc = addRecord(fn, acc, x, 0);
  return acc;
};

/** The value of rank ⌊q·(n−1)⌋ of the sorted input. */
const exactQuantile = (sorted: readonly number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;

const withinAccuracy = (estimate: number | null, exact: number, alpha: number) =>
  estimate !== null && Math.abs(estimate - exact) <= alpha * Math.abs(exact) * (1 + 1e-9) + 1e-300;

test("quantile and quantiles give null for no records", () => {
  const p99 = quantile((x: number) => x, 0.99);
  assert.equal(p99.result(p99.create()), null);
  const all = quantiles((x: number) => x);
  assert.deepEqual(all.result(all.create()), { p50: null, p95: null, p99: null });
});

test("quantiles are keyed by percentage", () => {
  assert.deepEqual([0, 0.5, 0.95, 0.99, 0.999, 0.29, 1].map(quantileKey), [
    "p0",
    "p50",
    "p95",
    "p99",
    "p99.9",
    "p29",
    "p100",
  ]);
  const fn = quantiles((r: { ms: number }) => r.ms, [0.5, 0.999]);
  let acc = fn.create();
  for (let i = 1; i <= 1000; i++) acc = addRecord(fn, acc, { ms: i }, i);
  const result = fn.result(acc);
  assert.deepEqual(Object.keys(result), ["p50", "p99.9"]);
  assert.ok(withinAccuracy(result.p50!, 500, 0.01));
  assert.ok(withinAccuracy(result["p99.9"]!, 999, 0.01));
});

test("quantile 0 and 1 are the exact minimum and maximum", () => {
  const acc = sketchOf([3.7, -12.25, 0, 1e6 + 0.5, 42]);
  assert.equal(acc.quantile(0), -12.25);
  assert.equal(acc.quantile(1), 1e6 + 0.5);
});

test("every quantile is within the relative accuracy of the exact one, zeros and negatives included", () => {
  const value = fc.oneof(
    fc.double({ min: -1e9, max: 1e9, noNaN: true }),
    fc.integer({ min: -1000, max: 1000 }),
    fc.constant(0),
    fc.double({ min: 1e-6, max: 1e-3, noNaN: true }),
  );
  fc.assert(
    fc.property(
      fc.array(value, { minLength: 1, maxLength: 300 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom(0.01, 0.05, 0.001),
      (xs, q, alpha) => {
        const sorted = [...xs].sort((a, b) => a - b);
        const estimate = sketchOf(xs, alpha).quantile(q);
        const exact = exactQuantile(sorted, q);
        assert.ok(withinAccuracy(estimate, exact, alpha), `q=${q}: estimate ${estimate}, exact ${exact}`);
      },
    ),
    { numRuns: 200 },
  );
});

test("p50, p95 and p99 of 100,000 skewed latencies are within 1%", () => {
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed + 0.5) / 2 ** 32;
  };
  const xs = Array.from({ length: 100_000 }, () =>
    Math.exp(3 + 1.5 * Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random())),
  );
  const fn = quantiles((x: number) => x, [0.5, 0.95, 0.99]);
  let acc = fn.create();
  for (const x of xs) acc = addRecord(fn, acc, x, 0);
  const result = fn.result(acc);
  const sorted = xs.sort((a, b) => a - b);
  for (const q of [0.5, 0.95, 0.99]) {
    assert.ok(withinAccuracy(result[quantileKey(q)]!, exactQuantile(sorted, q), 0.01), `p${q * 100}`);
  }
});

test("quantile rejects non-finite values, bad quantiles, bad accuracy and foreign snapshots", () => {
  const fn = quantile((x: number) => x, 0.5);
  for (const bad of [Number.NaN, Infinity, -Infinity, undefined as unknown as number])
    assert.throws(() => addRecord(fn, fn.create(), bad, 0), RangeError);
  for (const q of [-0.1, 1.5, Number.NaN])
    assert.throws(() => quantile((x: number) => x, q), PipelineDefinitionError);
  assert.throws(() => quantiles((x: number) => x, []), PipelineDefinitionError);
  for (const relativeAccuracy of [0, 1, -0.5]) {
    assert.throws(() => quantile((x: number) => x, 0.5, { relativeAccuracy }), PipelineDefinitionError);
  }
  const coarse = quantile((x: number) => x, 0.5, { relativeAccuracy: 0.05 });
  assert.throws(() => fn.restore(coarse.snapshot(coarse.create())), InvalidSnapshotError);
  assert.throws(() => fn.restore({ relativeAccuracy: 0.01 }), InvalidSnapshotError);
});

// Magnitudes from 1e-3 to 1e6 (the accuracy test above covers the extremes).
const sample = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.integer({ min: -1e8, max: 1e8 }).map((x) => x / 100),
);
aggregateConformance("quantile", {
  make: () => quantile((x: number) => x, 0.9),
  record: sample,
  empty: null,
});
aggregateConformance("quantiles", {
  make: () => quantiles((x: number) => x, [0, 0.5, 0.99, 1], { relativeAccuracy: 0.02 }),
  record: sample,
  empty: { p0: null, p50: null, p99: null, p100: null },
});
