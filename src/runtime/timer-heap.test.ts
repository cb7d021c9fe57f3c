import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { TimerHeap } from "./timer-heap.js";

describe("TimerHeap", () => {
  it("pops values in time order, whatever the push order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 })), (times) => {
        const heap = new TimerHeap<number>();
        for (const t of times) heap.push(t, t);
        assert.equal(heap.size, times.length);
        const popped: number[] = [];
        while (heap.size > 0) {
          assert.equal(heap.peekTime(), heap.peekTime());
          const next = heap.peekTime();
          assert.equal(heap.pop(), next);
          popped.push(next);
        }
        assert.deepEqual(
          popped,
          [...times].sort((a, b) => a - b),
        );
        assert.equal(heap.peekTime(), Number.POSITIVE_INFINITY);
      }),
    );
  });

  it("interleaves pushes and pops and can be cleared", () => {
    const heap = new TimerHeap<string>();
    heap.push(5, "e");
    heap.push(1, "a");
    assert.equal(heap.pop(), "a");
    heap.push(3, "c");
    heap.push(4, "d");
    assert.equal(heap.pop(), "c");
    heap.clear();
    assert.equal(heap.size, 0);
    assert.equal(heap.pop(), undefined);
  });

  it("pops entries with equal times in the order they were pushed", () => {
    const heap = new TimerHeap<string>();
    for (const v of ["a", "b", "c", "d"]) heap.push(7, v);
    heap.push(1, "first");
    assert.deepEqual(
      [heap.pop(), heap.pop(), heap.pop(), heap.pop(), heap.pop()],
      ["first", "a", "b", "c", "d"],
    );
  });
});
