import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { aggregateConformance, fold } from "./aggregate-conformance.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";
import { min } from "./min.js";

const run = (xs: number[]) => {
  const fn = min((x: number) => x);
  return fn.result(
    fold(
      fn,
      xs.map((x, i) => ({ record: x, time: i })),
    ),
  );
};

test("min picks the coldest value; null for no records", () => {
  const fn = min((r: { temp: number }) => r.temp);
  const acc = fold(
    fn,
    [4, -3, 8, 0].map((temp, time) => ({ record: { temp }, time })),
  );
  assert.equal(fn.result(acc), -3);
  assert.equal(fn.result(fn.create()), null);
  assert.equal(run([Infinity, -Infinity]), -Infinity);
});

test("min agrees with Math.min, NaN included", () => {
  fc.assert(
    fc.property(fc.array(fc.double(), { minLength: 1 }), (xs) => {
      assert.equal(Object.is(run(xs), Math.min(...xs)), true);
    }),
  );
  assert.equal(run([1, Number.NaN, 2]), Number.NaN);
});

test("min restores only number-or-null snapshots", () => {
  const fn = min((x: number) => x);
  assert.equal(fn.result(fn.restore(null)), null);
  assert.throws(() => fn.restore({}), InvalidSnapshotError);
});

aggregateConformance("min", { make: () => min((x: number) => x), record: fc.double(), empty: null });
