import assert from "node:assert/strict";
import { test } from "node:test";
import { UnionOperator } from "../operators/union.js";
import { OperatorHarness } from "../testing/operator-harness.js";

test("a step's watermark is the minimum over its inputs, undefined until each reported", () => {
  const h = new OperatorHarness(new UnionOperator(), { inputs: 2 });
  h.watermark(5000, 0);
  assert.deepEqual(h.watermarks, []);
  h.watermark(3000, 1);
  assert.deepEqual(h.watermarks, [3000]);
  h.watermark(9000, 1);
  assert.deepEqual(h.watermarks, [3000, 5000]);
});

test("an idle input is left out of the minimum; the step is idle when all inputs are", () => {
  const h = new OperatorHarness(new UnionOperator(), { inputs: 2 });
  h.watermark(5000, 0);
  h.idle(1);
  assert.deepEqual(h.watermarks, [5000]);
  h.watermark(2000, 1);
  h.watermark(8000, 0);
  assert.deepEqual(h.watermarks, [5000], "input 1 is back at 2000: the watermark does not go backwards");
  h.watermark(7000, 1);
  assert.deepEqual(h.watermarks, [5000, 7000]);
});

test("an ended input no longer holds the watermark back; all ended → +Infinity and end", () => {
  const h = new OperatorHarness(new UnionOperator(), { inputs: 2 });
  h.watermark(1000, 0).watermark(1000, 1);
  h.end(1);
  h.watermark(4000, 0);
  assert.deepEqual(h.watermarks, [1000, 4000]);
  h.end(0);
  assert.deepEqual(h.watermarks, [1000, 4000, Number.POSITIVE_INFINITY]);
  assert.equal(h.ended, true);
});
