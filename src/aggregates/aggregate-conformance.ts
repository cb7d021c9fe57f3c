/**
 * The conformance suite every AggregateFunction implementation runs from its test file: empty input, merge
 * over random splits equals one accumulator, snapshot survives JSON, clone independence and a side-effect-free
 * result. Test-only (it imports node:test and fast-check); not exported from the package.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type AggregateFunction, addRecord } from "./aggregate-function.js";

/** One input record with its event time. */
export interface TimedRecord<T> {
  record: T;
  time: number;
}

/** What the suite needs to know about one aggregate. */
export interface ConformanceCase<T, R> {
  /** Builds the aggregate under test. */
  // biome-ignore lint/suspicious/noExplicitAny: the suite treats the accumulator as opaque
  make: () => AggregateFunction<T, any, R, any>;
  /** Random records; event times are drawn by the suite from a small range so ties happen. */
  record: fc.Arbitrary<T>;
  /** The result for no records. */
  empty: R;
  /** Asserts two results agree (default: deep strict equality). */
  equal?: (actual: R, expected: R) => void;
  /** Longest random input (default 60). */
  maxRecords?: number;
  /** fast-check runs per property (default 100). */
  numRuns?: number;
  /** Checks this case cannot pass, each with the reason, e.g. `{ merge: "approximate beyond capacity" }`. */
  skip?: { merge?: string };
}

/**
 * Registers the conformance tests for one aggregate, e.g.
 * `aggregateConformance("sum", { make: () => sum((r: number) => r), record: fc.integer(), empty: 0 })`.
 */
export function aggregateConformance<T, R>(name: string, c: ConformanceCase<T, R>): void {
  const equal = c.equal ?? ((actual: R, expected: R) => assert.deepStrictEqual(actual, expected));
  const numRuns = c.numRuns ?? 100;
  const events = fc.array(fc.record({ record: c.record, time: fc.integer({ min: 0, max: 20 }) }), {
    maxLength: c.maxRecords ?? 60,
  });
  const cuts = fc.array(fc.nat(), { maxLength: 6 });

  test(`${name} conformance: no records gives the empty result`, () => {
    const fn = c.make();
    equal(fn.result(fn.create()), c.empty);
    equal(fn.result(fn.merge(fn.create(), fn.create())), c.empty);
    equal(fn.result(fn.restore(JSON.parse(JSON.stringify(fn.snapshot(fn.create()))))), c.empty);
  });

  test(`${name} conformance: merging the parts of any split equals one accumulator`, {
    skip: c.skip?.merge,
  }, () => {
    fc.assert(
      fc.property(events, cuts, (input, rawCuts) => {
        const fn = c.make();
        const whole = fn.result(fold(fn, input));
        const parts = split(input, rawCuts);
        // Left fold: ((p0 ⊕ p1) ⊕ p2) …
        let left = fold(fn, parts[0]!);
        for (const part of parts.slice(1)) left = fn.merge(left, fold(fn, part));
        equal(fn.result(left), whole);
        // Right fold: p0 ⊕ (p1 ⊕ (p2 …)); parts stay in order, only the grouping changes.
        let right = fold(fn, parts[parts.length - 1]!);
        for (const part of parts.slice(0, -1).reverse()) right = fn.merge(fold(fn, part), right);
        equal(fn.result(right), whole);
      }),
      { numRuns },
    );
  });

  test(`${name} conformance: snapshot → JSON → restore gives the same result and keeps working`, () => {
    fc.assert(
      fc.property(events, events, (before, after) => {
        const fn = c.make();
        const original = fold(fn, before);
        const restored = fn.restore(JSON.parse(JSON.stringify(fn.snapshot(original))));
        equal(fn.result(restored), fn.result(original));
        equal(fn.result(addAll(fn, restored, after)), fn.result(addAll(fn, original, after)));
      }),
      { numRuns },
    );
  });

  test(`${name} conformance: a clone is independent of its original`, () => {
    fc.assert(
      fc.property(events, events, (before, after) => {
        const fn = c.make();
        const original = fold(fn, before);
        const copy = addAll(fn, fn.clone(original), after);
        equal(fn.result(original), fn.result(fold(fn, before)));
        equal(fn.result(copy), fn.result(fold(fn, [...before, ...after])));
        const copy2 = fn.clone(original);
        const grown = addAll(fn, original, after);
        equal(fn.result(copy2), fn.result(fold(fn, before)));
        equal(fn.result(grown), fn.result(fold(fn, [...before, ...after])));
      }),
      { numRuns },
    );
  });

  test(`${name} conformance: result does not change the accumulator`, () => {
    fc.assert(
      fc.property(events, (input) => {
        const fn = c.make();
        const acc = fold(fn, input);
        const saved = JSON.stringify(fn.snapshot(acc));
        const first = fn.result(acc);
        equal(fn.result(acc), first);
        assert.equal(JSON.stringify(fn.snapshot(acc)), saved);
      }),
      { numRuns },
    );
  });
}

/** A fresh accumulator with every record of `input` added, e.g. `fold(sum(id), [{ record: 1, time: 0 }])`. */
export function fold<T, Acc, V>(
  fn: AggregateFunction<T, Acc, unknown, V>,
  input: readonly TimedRecord<T>[],
): Acc {
  return addAll(fn, fn.create(), input);
}

function addAll<T, Acc, V>(
  fn: AggregateFunction<T, Acc, unknown, V>,
  acc: Acc,
  input: readonly TimedRecord<T>[],
): Acc {
  for (const { record, time } of input) acc = addRecord(fn, acc, record, time);
  return acc;
}

/** Splits `input` into contiguous (possibly empty) parts at the given cut points. */
function split<X>(input: readonly X[], rawCuts: number[]): X[][] {
  const cuts = rawCuts.map((cut) => cut % (input.length + 1)).sort((a, b) => a - b);
  const parts: X[][] = [];
  let from = 0;
  for (const cut of cuts) {
    parts.push(input.slice(from, cut));
    from = cut;
  }
  parts.push(input.slice(from));
  return parts;
}
