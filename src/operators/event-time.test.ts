import assert from "node:assert/strict";
import { test } from "node:test";
import { OperatorHarness } from "../testing/operator-harness.js";
import { EventTimeOperator } from "./event-time.js";

const assigner = (partitions: number[], idleTimeout?: number) =>
  new EventTimeOperator<{ t: number }>((r) => r.t, { maxOutOfOrderness: 1000, idleTimeout }, partitions);

test("watermark is max seen minus maxOutOfOrderness, and never goes backwards", () => {
  const h = new OperatorHarness(assigner([0]));
  h.push([{ t: 5000 }, { t: 7000 }, { t: 6000 }], [0, 0, 0]);
  assert.deepEqual(h.watermarks, [6000]);
  h.push([{ t: 3000 }], [0]);
  assert.deepEqual(h.watermarks, [6000], "an older record does not move the watermark back");
  assert.deepEqual(
    h.output.map((r) => r.time),
    [5000, 7000, 6000, 3000],
    "event times are taken from the records",
  );
});

test("watermark is undefined until every partition reported, then the minimum over partitions", () => {
  const h = new OperatorHarness(assigner([0, 1]));
  h.push([{ t: 10_000 }], [0], { partition: 0 });
  assert.deepEqual(h.watermarks, [], "partition 1 has not reported");
  h.push([{ t: 4000 }], [0], { partition: 1 });
  assert.deepEqual(h.watermarks, [3000]);
  h.push([{ t: 20_000 }], [0], { partition: 1 });
  assert.deepEqual(h.watermarks, [3000, 9000]);
});

test("an idle partition stops holding the watermark back until it sends data again", () => {
  const h = new OperatorHarness(assigner([0, 1], 30_000));
  h.push([{ t: 10_000 }], [0], { partition: 0 });
  assert.deepEqual(h.watermarks, []);
  h.clock.advance(31_000);
  h.push([{ t: 12_000 }], [0], { partition: 0 });
  assert.deepEqual(h.watermarks, [11_000], "partition 1 never sent data and is idle now");
  h.push([{ t: 2000 }], [0], { partition: 1 });
  h.push([{ t: 50_000 }], [0], { partition: 0 });
  assert.deepEqual(h.watermarks, [11_000], "partition 1 is active again and holds the watermark back");
});

test("a record whose timestamp function throws or returns a non-number goes to the dead-letter ledger", () => {
  const h = new OperatorHarness(
    new EventTimeOperator<{ t: unknown }>(
      (r) => r.t as number,
      { maxOutOfOrderness: 0, idleTimeout: undefined },
      [0],
    ),
  );
  h.push([{ t: 1000 }, { t: "soon" }, { t: 2000 }], [0, 0, 0]);
  assert.deepEqual(h.values(), [{ t: 1000 }, { t: 2000 }]);
  assert.equal(h.deadLetters.entries.length, 1);
  assert.equal(h.deadLetters.entries[0]!.reason, "failed");
  assert.match(h.deadLetters.entries[0]!.error!, /event time must be a finite number/);
});

test("end of input makes the watermark +Infinity", () => {
  const h = new OperatorHarness(assigner([0]));
  h.push([{ t: 5000 }], [0]).end();
  assert.deepEqual(h.watermarks, [4000, Number.POSITIVE_INFINITY]);
  assert.equal(h.ended, true);
});
