import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { aggregateConformance } from "./aggregate-conformance.js";
import { addRecord } from "./aggregate-function.js";
import { count } from "./count.js";
import { InvalidSnapshotError } from "./invalid-snapshot-error.js";

test("count counts records, whatever they are", () => {
  const fn = count<{ id: number }>();
  let acc = fn.create();
  for (let i = 0; i < 5; i++) acc = addRecord(fn, acc, { id: i }, 1000 + i);
  assert.equal(fn.result(acc), 5);
  assert.equal(fn.kind, "count");
});

test("count restores only non-negative integer snapshots", () => {
  assert.equal(count().restore(7), 7);
  for (const bad of [-1, 1.5, "3", null, {}]) assert.throws(() => count().restore(bad), InvalidSnapshotError);
});

aggregateConformance("count", {
  make: () => count<unknown>(),
  record: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
  empty: 0,
});
