import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { aggregateConformance, fold } from "./aggregate-conformance.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";
import { sum } from "./sum.js";

interface Sale {
  price: number;
}

test("sum adds the selected field; 0 for no records", () => {
  const fn = sum((s: Sale) => s.price);
  const acc = fold(fn, [2.5, 4, -1].map((price, i) => ({ record: { price }, time: i })));
  assert.equal(fn.result(acc as number), 5.5);
  assert.equal(fn.result(fn.create()), 0);
});

test("sum of floats merges to within rounding of one accumulator", () => {
  const fn = sum((x: number) => x);
  fc.assert(
    fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true })), fc.nat(), (xs, at) => {
      const cut = at % (xs.length + 1);
      const whole = xs.reduce((acc, x) => fn.add(acc, x, 0), fn.create());
      const left = xs.slice(0, cut).reduce((acc, x) => fn.add(acc, x, 0), fn.create());
      const right = xs.slice(cut).reduce((acc, x) => fn.add(acc, x, 0), fn.create());
      const bound = 1e-9 * xs.reduce((acc, x) => acc + Math.abs(x), 1);
      assert.ok(Math.abs(fn.merge(left, right) - whole) <= bound);
    }),
  );
});

test("sum checkpoints Infinity and NaN faithfully and rejects foreign snapshots", () => {
  const fn = sum((x: number) => x);
  for (const n of [Infinity, -Infinity, Number.NaN]) {
    assert.equal(Object.is(fn.restore(JSON.parse(JSON.stringify(fn.snapshot(n)))), n), true);
  }
  assert.throws(() => fn.restore({ sum: 1 }), InvalidSnapshotError);
});

aggregateConformance("sum", {
  make: () => sum((x: number) => x),
  record: fc.integer({ min: -1e9, max: 1e9 }),
  empty: 0,
});
