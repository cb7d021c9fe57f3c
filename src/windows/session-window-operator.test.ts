import assert from "node:assert/strict";
import { test } from "node:test";
import { count, sum } from "../aggregates/index.js";
import { OperatorHarness } from "../testing/operator-harness.js";
import { AggregateSet } from "./aggregate-set.js";
import { SessionWindowOperator } from "./session-window-operator.js";
import { session } from "./window-assigner.js";

const make = (allowedLateness = 0, emit: "final" | "updates" = "final") =>
  new SessionWindowOperator<number>(
    session(1000),
    new AggregateSet<number>({ n: count(), total: sum((v: number) => v) }),
    { allowedLateness, emit },
  );

test("records less than the gap apart share a session; a record bridging two sessions merges them", () => {
  const h = new OperatorHarness(make());
  h.push([1, 2], [0, 500], { keys: ["a", "a"] });
  h.push([3], [3000], { keys: ["a"] });
  h.push([4], [1200], { keys: ["a"] }); // [0,1500) and [1200,2200) overlap: one session [0, 2200)
  h.push([5], [2100], { keys: ["a"] }); // [2100, 3100) bridges [0,2200) and [3000,4000)
  h.watermark(10_000);
  assert.deepEqual(h.values(), [{ key: "a", windowStart: 0, windowEnd: 4000, n: 5, total: 15 }]);
  assert.deepEqual(
    h.output.map((r) => r.time),
    [3999],
  );
});

test("a session fires when the watermark reaches its end, and is dropped once past its lateness", () => {
  const op = make(2000);
  const h = new OperatorHarness(op);
  h.push([1], [0], { keys: ["a"] });
  h.watermark(999);
  assert.equal(h.output.length, 0);
  h.watermark(1000);
  assert.equal(h.output.length, 1);
  assert.equal(op.stateSize(), 1, "kept for allowed lateness");
  h.push([7], [500], { keys: ["a"] }); // late but within lateness: extends the fired session to [0, 1500)
  assert.equal(h.output.length, 1, "the extended session is open again");
  h.watermark(1500);
  assert.deepEqual(h.values()[1], { key: "a", windowStart: 0, windowEnd: 1500, n: 2, total: 8 });
  h.push([1], [200], { keys: ["a"] }); // late, within lateness, inside the fired session: re-emitted at once
  assert.deepEqual(h.values()[2], { key: "a", windowStart: 0, windowEnd: 1500, n: 3, total: 9 });
  h.watermark(3500);
  assert.equal(op.stateSize(), 0);
  h.push([9], [100], { keys: ["a"] });
  assert.equal(h.deadLetters.entries.length, 1, "too late now: dead letter");
  assert.equal(h.deadLetters.entries[0]!.reason, "late");
});

test("sessions are per key", () => {
  const h = new OperatorHarness(make());
  h.push([1, 1, 1], [0, 100, 200], { keys: ["a", "b", "a"] });
  h.end();
  assert.deepEqual(
    h.values().map((r) => [r.key, r.n]),
    [
      ["a", 2],
      ["b", 1],
    ],
  );
});

test("snapshot and restore continue a session across a restart", () => {
  const h1 = new OperatorHarness(make());
  h1.push([1], [0], { keys: ["a"] })
    .watermark(100)
    .barrier(1);
  const saved = JSON.parse(JSON.stringify(h1.snapshots.get(1)));
  const op = make();
  const h2 = new OperatorHarness(op);
  op.restore(saved.operator);
  h2.push([2], [800], { keys: ["a"] }).end();
  assert.deepEqual(h2.values(), [{ key: "a", windowStart: 0, windowEnd: 1800, n: 2, total: 3 }]);
});
