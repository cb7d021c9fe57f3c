import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { PipelineDefinitionError } from "../core/errors.js";
import { aggregateConformance } from "./aggregate-conformance.js";
import type { AggregateFunction } from "./aggregate-function.js";
import { addRecord } from "./aggregate-function.js";
import { aggregate } from "./custom.js";

interface Reading {
  temp: number;
}

const rms = () =>
  aggregate({
    kind: "rms",
    create: () => ({ squares: 0, n: 0 }),
    add(acc, r: Reading) {
      acc.squares += r.temp * r.temp;
      acc.n++;
      return acc;
    },
    merge: (a, b) => ({ squares: a.squares + b.squares, n: a.n + b.n }),
    result: (acc) => (acc.n === 0 ? null : Math.sqrt(acc.squares / acc.n)),
  });

test("aggregate wraps a user-defined accumulator with working defaults", () => {
  const fn = rms();
  assert.equal(fn.kind, "rms");
  let acc = fn.create();
  for (const temp of [3, 4, 5]) acc = addRecord(fn, acc, { temp }, 0);
  assert.equal(fn.result(acc), Math.sqrt(50 / 3));
  const copy = addRecord(fn, fn.clone(acc), { temp: 100 }, 0);
  assert.equal(fn.result(acc), Math.sqrt(50 / 3));
  assert.notEqual(fn.result(copy), fn.result(acc));
  assert.deepEqual(fn.restore(JSON.parse(JSON.stringify(fn.snapshot(acc)))), acc);
});

test('aggregate is named "aggregate" unless given a kind', () => {
  const fn = aggregate({
    create: () => 0,
    add: (n: number) => n + 1,
    merge: (a, b) => a + b,
    result: (n) => n,
  });
  assert.equal(fn.kind, "aggregate");
});

test("aggregate calls methods on the definition, so class-based definitions work", () => {
  class Tally {
    readonly step = 2;
    create() {
      return 0;
    }
    add(acc: number) {
      return acc + this.step;
    }
    merge(a: number, b: number) {
      return a + b;
    }
    result(acc: number) {
      return acc;
    }
  }
  const fn: AggregateFunction<unknown, number, number> = aggregate(new Tally());
  assert.equal(fn.result(addRecord(fn, addRecord(fn, fn.create(), "a", 0), "b", 0)), 4);
});

test("aggregate uses the given clone, snapshot and restore", () => {
  const fn = aggregate({
    create: () => new Set<string>(),
    add: (acc, v: string) => acc.add(v),
    merge: (a, b) => new Set([...a, ...b]),
    result: (acc) => acc.size,
    clone: (acc) => new Set(acc),
    snapshot: (acc) => [...acc],
    restore: (saved) => new Set(saved as string[]),
  });
  const acc = addRecord(fn, addRecord(fn, fn.create(), "a", 0), "b", 0);
  assert.equal(fn.result(fn.restore(JSON.parse(JSON.stringify(fn.snapshot(acc))))), 2);
  assert.equal(fn.result(addRecord(fn, fn.clone(acc), "c", 0)), 3);
  assert.equal(fn.result(acc), 2);
});

test("aggregate rejects a definition missing a required method", () => {
  const broken = { kind: "broken", create: () => 0, add: (n: number) => n, result: (n: number) => n };
  assert.throws(() => aggregate(broken as never), PipelineDefinitionError);
});

test("aggregate lets the user's errors through", () => {
  const fn = aggregate({
    create: () => 0,
    add: (): number => {
      throw new Error("bad record");
    },
    merge: (a: number, b: number) => a + b,
    result: (n) => n,
  });
  assert.throws(() => addRecord(fn, 0, {}, 0), /bad record/);
});

aggregateConformance("aggregate (rms example)", {
  make: rms,
  record: fc.record({ temp: fc.integer({ min: -100, max: 100 }) }),
  empty: null,
});
