import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { aggregateConformance, fold } from "./aggregate-conformance.js";
import { avg } from "./avg.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";

interface Reading {
  temp: number;
}

const meanOf = (xs: number[]) => {
  const fn = avg((x: number) => x);
  return fn.result(
    fold(
      fn,
      xs.map((x, i) => ({ record: x, time: i })),
    ),
  );
};

test("avg is the mean of the selected field; null for no records", () => {
  const fn = avg((r: Reading) => r.temp);
  const acc = fold(
    fn,
    [{ temp: 20 }, { temp: 22 }, { temp: 27 }].map((record, time) => ({ record, time })),
  );
  assert.equal(fn.result(acc), 23);
  assert.equal(fn.result(fn.create()), null);
});

test("avg is exact for integers up to 2^53 (sum and count, not a running mean)", () => {
  assert.equal(meanOf([2 ** 52 - 1, 1, 2 ** 51]), 2 ** 51);
  assert.equal(meanOf([2 ** 53 - 3, 1, 2]), 2 ** 53 / 3);
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { minLength: 1, maxLength: 200 }),
      (xs) => {
        const exact = xs.reduce((acc, x) => acc + BigInt(x), 0n);
        assert.equal(meanOf(xs), Number(exact) / xs.length);
      },
    ),
  );
});

test("avg restores only { sum, count } snapshots", () => {
  const fn = avg((x: number) => x);
  assert.deepEqual(fn.restore({ sum: "Infinity", count: 2 }), { sum: Infinity, count: 2 });
  for (const bad of [null, 3, { sum: 1 }, { sum: 1, count: -1 }]) {
    assert.throws(() => fn.restore(bad), InvalidSnapshotError);
  }
});

aggregateConformance("avg", {
  make: () => avg((x: number) => x),
  record: fc.integer({ min: -1e12, max: 1e12 }),
  empty: null,
});
