import assert from "node:assert/strict";
import { test } from "node:test";
import { IngestToViewLatency } from "./ingest-to-view-latency.js";

test("each append is observed once, when a checkpoint first covers its last record", () => {
  const latency = new IngestToViewLatency();
  latency.appended("s", 0, 9, 100);
  latency.appended("s", 10, 19, 150);
  latency.appended("other", 0, 4, 120);
  const seen: number[] = [];
  const observe = (ms: number) => seen.push(ms);
  latency.committed("p/s", "s", 15, 400, observe); // covers 0..14: only the first append is whole
  assert.deepEqual(seen, [300]);
  latency.committed("p/s", "s", 15, 500, observe); // nothing new
  assert.deepEqual(seen, [300]);
  latency.committed("p/s", "s", 20, 600, observe);
  assert.deepEqual(seen, [300, 450]);
  latency.committed("q/s", "s", 20, 700, observe); // another consumer of the stream sees both
  assert.deepEqual(seen, [300, 450, 550, 600]);
});

test("appends older than the ring's capacity are no longer observed", () => {
  const latency = new IngestToViewLatency(2);
  for (let i = 0; i < 5; i++) latency.appended("s", i, i, i * 10);
  const seen: number[] = [];
  latency.committed("p/s", "s", 5, 100, (ms) => seen.push(ms));
  assert.deepEqual(seen, [60, 70]);
});
