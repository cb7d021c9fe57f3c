import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { PipelineDefinitionError } from "../core/errors.js";
import { aggregateConformance } from "./aggregate-conformance.js";
import { addRecord } from "./aggregate-function.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";
import type { SpaceSaving } from "./space-saving.js";
import { topK } from "./top-k.js";

type Value = string | number;

const run = (values: readonly Value[], k: number, capacity?: number) => {
  const fn = topK((v: Value) => v, k, { capacity });
  let acc: SpaceSaving<Value> = fn.create();
  for (const v of values) acc = addRecord(fn, acc, v, 0);
  return fn.result(acc);
};

const exactCounts = (values: readonly Value[]) => {
  const counts = new Map<Value, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
};

test("topK lists the most frequent values, by count then value; [] for no records", () => {
  const pages = ["/b", "/a", "/c", "/a", "/b", "/d", "/a", "/c", "/e"];
  const fn = topK((r: { url: string }) => r.url, 3);
  let acc = fn.create();
  for (const url of pages) acc = addRecord(fn, acc, { url }, 0);
  assert.deepEqual(fn.result(acc), [
    { value: "/a", count: 3 },
    { value: "/b", count: 2 },
    { value: "/c", count: 2 },
  ]);
  assert.deepEqual(fn.result(fn.create()), []);
  assert.deepEqual(run([3, "x", 1, "a", 2], 5), [
    { value: 1, count: 1 },
    { value: 2, count: 1 },
    { value: 3, count: 1 },
    { value: "a", count: 1 },
    { value: "x", count: 1 },
  ]);
});

test("topK is exact while the distinct values fit in the capacity", () => {
  const values = fc.array(fc.oneof(fc.integer({ min: 0, max: 39 }), fc.constantFrom("a", "b", "c")), {
    maxLength: 400,
  });
  fc.assert(
    fc.property(values, fc.integer({ min: 1, max: 43 }), (input, k) => {
      const expected = [...exactCounts(input)]
        .map(([value, count]) => ({ value, count }))
        .sort((x, y) =>
          x.count !== y.count
            ? y.count - x.count
            : typeof x.value !== typeof y.value
              ? typeof x.value === "number"
                ? -1
                : 1
              : x.value < y.value
                ? -1
                : 1,
        )
        .slice(0, k);
      assert.deepEqual(run(input, k, 43), expected);
    }),
  );
});

test("beyond capacity, counts are upper bounds and every value above n / capacity is kept, merged or not", () => {
  const capacity = 6;
  const fn = topK((v: number) => v, capacity, { capacity });
  const skewed = fc.array(
    fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 3 }), weight: 3 },
      { arbitrary: fc.integer({ min: 0, max: 60 }), weight: 2 },
    ),
    { maxLength: 300 },
  );
  fc.assert(
    fc.property(skewed, fc.array(fc.nat(), { maxLength: 4 }), (input, rawCuts) => {
      const cuts = [0, ...rawCuts.map((c) => c % (input.length + 1)).sort((a, b) => a - b), input.length];
      let merged = fn.create();
      for (let i = 0; i + 1 < cuts.length; i++) {
        let part = fn.create();
        for (const v of input.slice(cuts[i], cuts[i + 1])) part = addRecord(fn, part, v, 0);
        merged = fn.merge(merged, part);
      }
      let single = fn.create();
      for (const v of input) single = addRecord(fn, single, v, 0);
      const exact = exactCounts(input);
      for (const acc of [single, merged]) {
        const reported = fn.result(acc);
        assert.ok(reported.length <= capacity);
        for (const { value, count } of reported) assert.ok(count >= (exact.get(value) ?? 0));
        for (const [value, count] of exact) {
          if (count > input.length / capacity)
            assert.ok(
              reported.some((r) => r.value === value),
              `lost ${value}`,
            );
        }
      }
    }),
  );
});

test("topK finds the heavy hitters of a long skewed stream", () => {
  const input: number[] = [];
  for (let i = 0; i < 20_000; i++) input.push(i % 4 === 0 ? i % 12 : 1000 + i);
  assert.deepEqual(
    run(input, 3).map((e) => e.value),
    [0, 4, 8],
  );
});

test("topK rejects a bad k or capacity and foreign snapshots", () => {
  for (const k of [0, -1, 2.5]) assert.throws(() => topK((v: number) => v, k), PipelineDefinitionError);
  assert.throws(() => topK((v: number) => v, 10, { capacity: 5 }), PipelineDefinitionError);
  const fn = topK((v: number) => v, 2, { capacity: 2 });
  assert.throws(
    () =>
      fn.restore({
        evicted: false,
        counters: [
          [1, 1, 0],
          [2, 1, 0],
          [3, 1, 0],
        ],
      }),
    InvalidSnapshotError,
  );
  assert.throws(
    () =>
      fn.restore({
        evicted: false,
        counters: [
          [1, 1, 0],
          [1, 2, 0],
        ],
      }),
    InvalidSnapshotError,
  );
  assert.throws(() => fn.restore({ counters: [] }), InvalidSnapshotError);
});

const small = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constantFrom("x", "y", "z"));
aggregateConformance("topK (within capacity)", {
  make: () => topK((v: Value) => v, 5),
  record: small,
  empty: [],
});
aggregateConformance("topK (beyond capacity)", {
  make: () => topK((v: Value) => v, 2, { capacity: 4 }),
  record: small,
  empty: [],
  skip: { merge: "Space-Saving is approximate once evictions happen; its merge bounds are tested above" },
});
