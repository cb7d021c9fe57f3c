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
  const acc = fold(
    fn,
    [2.5, 4, -1].map((price, i) => ({ record: { price }, time: i })),
  );
  assert.equal(fn.result(acc), 5.5);
  assert.equal(fn.result(fn.create()), 0);
});

test("sum of floats merges to within rounding of one accumulator", () => {
  const fn = sum((x: number) => x);
  fc.assert(
    fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true })), fc.nat(), (xs, at) => {
      const cut = at % (xs.length + 1);
      const timed = xs.map((record) => ({ record, time: 0 }));
      const whole = fn.result(fold(fn, timed));
      const merged = fn.result(fn.merge(fold(fn, timed.slice(0, cut)), fold(fn, timed.slice(cut))));
      const bound = 1e-9 * xs.reduce((acc, x) => acc + Math.abs(x), 1);
      assert.ok(Math.abs(merged - whole) <= bound);
    }),
  );
});

test("sum checkpoints Infinity and NaN faithfully and rejects foreign snapshots", () => {
  const fn = sum((x: number) => x);
  for (const n of [Infinity, -Infinity, Number.NaN]) {
    const saved = JSON.stringify(fn.snapshot(fold(fn, [{ record: n, time: 0 }])));
    assert.equal(Object.is(fn.result(fn.restore(JSON.parse(saved))), n), true);
  }
  assert.throws(() => fn.restore({ sum: 1 }), InvalidSnapshotError);
});

aggregateConformance("sum", {
  make: () => sum((x: number) => x),
  record: fc.integer({ min: -1e9, max: 1e9 }),
  empty: 0,
});
