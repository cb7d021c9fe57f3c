import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { TimeSortedBuffer } from "./time-sorted-buffer.js";

describe("TimeSortedBuffer", () => {
  it("keeps records in time order with ties in arrival order, and finds bounds and drops prefixes like a sorted list", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("insert" as const), time: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant("drop" as const), time: fc.integer({ min: 0, max: 30 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const buffer = new TimeSortedBuffer<number>();
        let model: Array<[number, number]> = [];
        ops.forEach((o, id) => {
          if (o.kind === "insert") {
            buffer.insert(o.time, id);
            model.push([o.time, id]);
            model.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          } else {
            const dropped = buffer.dropTo(buffer.lowerBound(o.time));
            const kept = model.filter(([t]) => t >= o.time);
            assert.equal(dropped, model.length - kept.length);
            model = kept;
          }
          assert.equal(buffer.size, model.length);
          assert.deepEqual(
            buffer.liveTimes(),
            model.map(([t]) => t),
          );
          assert.deepEqual(
            buffer.liveItems(),
            model.map(([, i]) => i),
          );
          const probe = id % 31;
          assert.equal(buffer.upperBound(probe) - buffer.head, model.filter(([t]) => t <= probe).length);
          assert.equal(buffer.lowerBound(probe) - buffer.head, model.filter(([t]) => t < probe).length);
        });
      }),
    );
  });
});
