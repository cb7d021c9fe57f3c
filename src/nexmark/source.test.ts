import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SourceBatch, SourceReader } from "../connectors/source.js";
import { ManualClock } from "../core/clock.js";
import { SluiceError } from "../core/errors.js";
import { NexmarkGenerator } from "./generator.js";
import type { NexmarkEvent } from "./model.js";
import { nexmarkSource } from "./source.js";

function drain(reader: SourceReader<NexmarkEvent>): SourceBatch<NexmarkEvent>[] {
  const batches: SourceBatch<NexmarkEvent>[] = [];
  for (;;) {
    const batch = reader.next();
    assert.ok(!(batch instanceof Promise), "the nexmark source answers synchronously");
    if (batch === null) return batches;
    batches.push(batch);
  }
}

const context = { clock: new ManualClock(0), stepId: "nexmark" };

describe("nexmarkSource", () => {
  const expected: NexmarkEvent[] = [];
  const expectedTimes: number[] = [];
  new NexmarkGenerator({ events: 10_000 }).fill(expected, expectedTimes, 10_000);

  it("reads the generator's events in batches of at most 4096, with their event times", () => {
    const source = nexmarkSource({ events: 10_000 });
    assert.equal(source.partitions, 1);
    const reader = source.open(context);
    assert.equal(reader.position(), 0);
    const batches = drain(reader);
    assert.deepEqual(
      batches.map((b) => b.items.length),
      [4096, 4096, 1808],
    );
    assert.ok(batches.every((b) => b.partition === 0));
    assert.deepEqual(
      batches.flatMap((b) => b.items),
      expected,
    );
    assert.deepEqual(
      batches.flatMap((b) => b.times ?? []),
      expectedTimes,
    );
    assert.equal(reader.position(), 10_000);
    assert.equal(reader.next(), null);
  });

  it("resumes from a position with exactly the events that followed it", () => {
    const source = nexmarkSource({ events: 10_000, batchSize: 1000 });
    const first = source.open(context);
    first.next();
    first.next();
    const position = first.position();
    assert.equal(position, 2000);
    const resumed = source.open({ ...context, resumeFrom: JSON.parse(JSON.stringify(position)) });
    assert.deepEqual(
      drain(resumed).flatMap((b) => b.items),
      expected.slice(2000),
    );
  });

  it("refuses a position it did not write, naming the step", () => {
    const source = nexmarkSource({ events: 10 });
    assert.throws(
      () => source.open({ ...context, resumeFrom: { offset: 3 } }),
      (e: unknown) => e instanceof SluiceError && /step "nexmark"/.test(e.message),
    );
    assert.throws(() => nexmarkSource({ batchSize: 0 }), /batchSize/);
    assert.throws(() => nexmarkSource({ eventsPerSecond: -1 }), /eventsPerSecond/);
  });
});
