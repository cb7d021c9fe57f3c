import assert from "node:assert/strict";
import { test } from "node:test";
import { count } from "../aggregates/index.js";
import { OperatorHarness } from "../testing/operator-harness.js";
import { AggregateSet } from "./aggregate-set.js";
import { AlignedWindowOperator } from "./aligned-window-operator.js";
import { type AlignedWindows, sliding, tumbling } from "./window-assigner.js";

const make = (assigner: AlignedWindows = tumbling(1000), allowedLateness = 0) =>
  new AlignedWindowOperator<string>(assigner, new AggregateSet<string>({ n: count() }), {
    allowedLateness,
    emit: "final",
  });

test("a tumbling window fires exactly when the watermark reaches its end", () => {
  const h = new OperatorHarness(make());
  h.push(["x", "y"], [0, 999], { keys: ["k", "k"] });
  h.watermark(999);
  assert.equal(h.output.length, 0);
  h.watermark(1000);
  assert.deepEqual(h.values(), [{ key: "k", windowStart: 0, windowEnd: 1000, n: 2 }]);
});

test("a sliding window counts each record in size/slide windows; panes are dropped after the last one fires", () => {
  const op = make(sliding(3000, 1000));
  const h = new OperatorHarness(op);
  h.push(["a"], [2500], { keys: ["k"] });
  h.end();
  assert.deepEqual(
    h.values().map((r) => [r.windowStart, r.windowEnd, r.n]),
    [
      [0, 3000, 1],
      [1000, 4000, 1],
      [2000, 5000, 1],
    ],
  );
  assert.equal(op.stateSize(), 0);
});

test("windows with negative times (before the epoch) align correctly", () => {
  const h = new OperatorHarness(make());
  h.push(["a"], [-1], { keys: ["k"] }).end();
  assert.deepEqual(h.values(), [{ key: "k", windowStart: -1000, windowEnd: 0, n: 1 }]);
});

test("a checkpoint in the middle of a window restores into an operator that finishes it", () => {
  const h1 = new OperatorHarness(make(sliding(2000, 1000)));
  h1.push(["a", "b"], [100, 1100], { keys: ["k", "k"] })
    .watermark(1000)
    .barrier(7);
  const saved = JSON.parse(JSON.stringify(h1.snapshots.get(7)));
  const op = make(sliding(2000, 1000));
  const h2 = new OperatorHarness(op);
  op.restore(saved.operator);
  h2.push(["c"], [1500], { keys: ["k"] }).end();
  assert.deepEqual(
    [...h1.values(), ...h2.values()].map((r) => [r.windowStart, r.n]),
    [
      [-1000, 1],
      [0, 3],
      [1000, 2],
    ],
  );
});
