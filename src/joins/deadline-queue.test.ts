import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { DeadlineQueue } from "./deadline-queue.js";

describe("DeadlineQueue", () => {
  it("releases values earliest deadline first, same deadline in the order added", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 20 }))), (ops) => {
        const queue = new DeadlineQueue<number>();
        let model: Array<[number, number]> = [];
        const released: number[][] = [];
        const expected: number[][] = [];
        ops.forEach(([pop, time], id) => {
          if (pop && queue.size > 0) {
            const earliest = queue.peekTime();
            assert.equal(earliest, Math.min(...model.map(([t]) => t)));
            released.push(queue.popEarliest());
            expected.push(model.filter(([t]) => t === earliest).map(([, v]) => v));
            model = model.filter(([t]) => t !== earliest);
          } else {
            queue.add(time, id);
            model.push([time, id]);
          }
        });
        assert.deepEqual(released, expected);
        assert.equal(queue.size, new Set(model.map(([t]) => t)).size);
      }),
    );
  });

  it("starts a new bucket for a deadline that was already released, and can be cleared", () => {
    const queue = new DeadlineQueue<string>();
    queue.add(5, "a");
    assert.deepEqual(queue.popEarliest(), ["a"]);
    queue.add(5, "b");
    queue.add(3, "c");
    assert.equal(queue.peekTime(), 3);
    assert.deepEqual(queue.popEarliest(), ["c"]);
    assert.deepEqual(queue.popEarliest(), ["b"]);
    assert.equal(queue.peekTime(), Number.POSITIVE_INFINITY);
    queue.add(1, "d");
    queue.clear();
    assert.equal(queue.size, 0);
  });
});
