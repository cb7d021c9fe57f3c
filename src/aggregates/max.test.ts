import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { aggregateConformance, fold } from "./aggregate-conformance.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";
import { max } from "./max.js";

const run = (xs: number[]) => {
  const fn = max((x: number) => x);
  return fn.result(
    fold(
      fn,
      xs.map((x, i) => ({ record: x, time: i })),
    ),
  );
};

test("max picks the hottest value; null for no records", () => {
  const fn = max((r: { temp: number }) => r.temp);
  const acc = fold(
    fn,
    [4, -3, 8, 0].map((temp, time) => ({ record: { temp }, time })),
  );
  assert.equal(fn.result(acc), 8);
  assert.equal(fn.result(fn.create()), null);
  assert.equal(run([Infinity, -Infinity]), Infinity);
});

test("max agrees with Math.max, NaN included", () => {
  fc.assert(
    fc.property(fc.array(fc.double(), { minLength: 1 }), (xs) => {
      assert.equal(Object.is(run(xs), Math.max(...xs)), true);
    }),
  );
  assert.equal(run([1, Number.NaN, 2]), Number.NaN);
});

test("max restores only number-or-null snapshots", () => {
  const fn = max((x: number) => x);
  assert.equal(fn.result(fn.restore(null)), null);
  assert.throws(() => fn.restore({}), InvalidSnapshotError);
});

aggregateConformance("max", { make: () => max((x: number) => x), record: fc.double(), empty: null });
