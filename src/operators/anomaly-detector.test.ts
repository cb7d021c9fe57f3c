import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { fromCollection } from "../connectors/collection-source.js";
import { Pipeline } from "../dataflow/pipeline.js";
import { collect } from "../sinks/collect-sink.js";
import { MemoryStateBackend } from "../state/memory-state-backend.js";
import type { StateBackend } from "../state/state-backend.js";
import { runToCompletion } from "../testing/index.js";
import { OperatorHarness } from "../testing/operator-harness.js";
import { type Anomaly, AnomalyDetectorOperator, type AnomalyDetectorOptions } from "./anomaly-detector.js";

interface Reading {
  device: string;
  temp: number;
  ts: number;
}

const at = (device: string, temp: number, ts: number): Reading => ({ device, temp, ts });

function harness(
  options: Partial<AnomalyDetectorOptions<Reading>>,
  state: StateBackend = new MemoryStateBackend(),
) {
  const op = new AnomalyDetectorOperator<Reading, string>({ value: (r) => r.temp, ...options });
  return { op, h: new OperatorHarness<Reading, Anomaly<Reading, string>>(op, { state }), state };
}

function push(h: OperatorHarness<Reading, Anomaly<Reading, string>>, readings: Reading[]): void {
  h.push(
    readings,
    readings.map((r) => r.ts),
    { keys: readings.map((r) => r.device) },
  );
}

describe("detectAnomalies", () => {
  it("ewma: scores each value against the exponentially weighted mean and variance before it", () => {
    const { h } = harness({ method: "ewma", alpha: 0.5, warmup: 3, threshold: 3 });
    push(h, [at("a", 10, 1), at("a", 12, 2), at("a", 10, 3), at("a", 12, 4), at("a", 30, 5)]);
    assert.deepEqual(h.values(), [], "nothing is scored before the watermark passes it");
    h.watermark(6);
    // By hand (West's update, alpha 0.5): after 10, 12, 10, 12 the mean is 11.25 and the variance 0.9375;
    // 12 scored 1.73 against (10.5, 0.75) and passed.
    const [alert, ...rest] = h.values();
    assert.equal(rest.length, 0);
    assert.equal(alert!.key, "a");
    assert.equal(alert!.time, 5);
    assert.equal(alert!.value, 30);
    assert.equal(alert!.expected, 11.25);
    assert.equal(alert!.stddev, Math.sqrt(0.9375));
    assert.ok(Math.abs(alert!.score - 18.75 / Math.sqrt(0.9375)) < 1e-12);
    assert.equal(alert!.direction, "high");
    assert.deepEqual(alert!.record, at("a", 30, 5));
    assert.equal(h.output[0]!.time, 5);
    assert.equal(h.output[0]!.key, "a");
  });

  it("zscore: scores against the mean and standard deviation of the key's last `window` values", () => {
    const { h } = harness({ method: "zscore", window: 3, warmup: 3, threshold: 3 });
    push(h, [at("a", 1, 1), at("a", 2, 2), at("a", 3, 3), at("a", 2, 4), at("a", 10, 5), at("a", -50, 6)]);
    h.watermark(100);
    // 2 against [1, 2, 3]: z = 0. 10 against [2, 3, 2]: mean 7/3, variance 2/9. -50 against [3, 2, 10].
    const values = h.values();
    assert.deepEqual(
      values.map((a) => [a.value, a.direction]),
      [
        [10, "high"],
        [-50, "low"],
      ],
    );
    assert.ok(Math.abs(values[0]!.expected - 7 / 3) < 1e-12);
    assert.ok(Math.abs(values[0]!.stddev - Math.sqrt(2 / 9)) < 1e-12);
    assert.ok(Math.abs(values[1]!.expected - 5) < 1e-12);
  });

  it("keeps a baseline per key and waits for `warmup` values before scoring", () => {
    const { h } = harness({ alpha: 0.5, warmup: 3 });
    push(h, [
      at("a", 10, 1),
      at("b", 100, 1),
      at("a", 11, 2),
      at("b", 101, 2),
      at("a", 10, 3),
      at("b", 500, 3),
    ]);
    push(h, [at("a", 100, 4), at("b", 100, 4)]);
    h.watermark(Number.POSITIVE_INFINITY);
    assert.deepEqual(
      h.values().map((a) => [a.key, a.value]),
      [["a", 100]],
      "b's 500 came before its warmup ended, and learning it widened b's baseline",
    );
  });

  it("sends a record already behind the watermark to the dead-letter ledger as late", () => {
    const { h } = harness({});
    push(h, [at("a", 10, 1000)]);
    h.watermark(2000);
    push(h, [at("a", 99, 1500)]);
    assert.equal(h.deadLetters.entries.length, 1);
    assert.equal(h.deadLetters.entries[0]!.reason, "late");
    assert.deepEqual(h.deadLetters.entries[0]!.record, at("a", 99, 1500));
  });

  it("fails a record whose value is not a finite number, naming the step, and carries on", () => {
    const { h } = harness({ warmup: 2 });
    push(h, [at("a", 10, 1), at("a", Number.NaN, 2), at("a", 11, 3)]);
    h.watermark(10);
    assert.equal(h.deadLetters.entries.length, 1);
    assert.equal(h.deadLetters.entries[0]!.reason, "failed");
    assert.match(String(h.deadLetters.entries[0]!.error), /finite number/);
  });

  it("rejects bad settings when the step is built", () => {
    assert.throws(
      () => new AnomalyDetectorOperator<Reading, string>({ value: (r) => r.temp, alpha: 0 }),
      /alpha/,
    );
    assert.throws(
      () => new AnomalyDetectorOperator<Reading, string>({ value: (r) => r.temp, warmup: 1 }),
      /warmup/,
    );
    assert.throws(
      () =>
        new AnomalyDetectorOperator<Reading, string>({ value: (r) => r.temp, method: "zscore", window: 5 }),
      /window/,
    );
    const p = new Pipeline("bad");
    const keyed = p.source("r", fromCollection<Reading>([])).keyBy((r) => r.device);
    assert.throws(() => keyed.detectAnomalies({ value: (r) => r.temp, threshold: -1 }), /threshold/);
  });

  it("gives the same anomalies whatever the arrival order and batches, for disorder within the watermark (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            device: fc.constantFrom("a", "b"),
            temp: fc.oneof(fc.integer({ min: 18, max: 22 }), fc.constant(60)),
            gap: fc.integer({ min: 1, max: 30 }), // records of one key at one time are scored in arrival order
          }),
          { minLength: 1, maxLength: 80 },
        ),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1 }),
        fc.integer(),
        (steps, cuts, shuffleSeed) => {
          let time = 0;
          const sorted = steps.map((s) => at(s.device, s.temp, (time += s.gap)));
          const settings = { alpha: 0.3, warmup: 3, threshold: 2 };
          const reference = harness(settings);
          push(reference.h, sorted);
          reference.h.watermark(Number.POSITIVE_INFINITY);

          // Disorder of up to 50 ms; the watermark trails the largest time seen by 50 ms.
          let seed = shuffleSeed;
          const jittered = sorted
            .map((r, i) => ({ r, order: r.ts + (((seed = (seed * 1103515245 + 12345) | 0) >>> 0) % 50), i }))
            .sort((x, y) => x.order - y.order || x.i - y.i)
            .map((x) => x.r);
          const { h } = harness(settings);
          let maxSeen = Number.NEGATIVE_INFINITY;
          for (let i = 0, c = 0; i < jittered.length; c++) {
            const n = cuts[c % cuts.length]!;
            const batch = jittered.slice(i, i + n);
            i += n;
            push(h, batch);
            for (const r of batch) maxSeen = Math.max(maxSeen, r.ts);
            h.watermark(maxSeen - 50);
          }
          h.watermark(Number.POSITIVE_INFINITY);
          assert.equal(h.deadLetters.entries.length, 0);
          assert.deepEqual(h.values(), reference.h.values());
        },
      ),
      { numRuns: 200 },
    );
  });

  it("restored from a checkpoint, ends with exactly the anomalies of an uninterrupted run", () => {
    const readings: Reading[] = [];
    for (let i = 0; i < 200; i++) {
      const device = i % 2 === 0 ? "a" : "b";
      const temp = 20 + ((i * 7919) % 13) / 10 + (i % 37 === 0 ? 15 : 0);
      readings.push(at(device, temp, i * 100));
    }
    const settings = { alpha: 0.2, warmup: 5, threshold: 3 };
    const whole = harness(settings);
    push(whole.h, readings);
    whole.h.watermark(Number.POSITIVE_INFINITY);
    assert.ok(whole.h.values().length >= 3, "the spikes are found");

    // First run: half the input, a watermark that leaves some records waiting, then a checkpoint.
    const first = harness(settings);
    push(first.h, readings.slice(0, 100));
    first.h.watermark(9_000);
    assert.ok(first.op.waitingCount() > 0);
    first.h.barrier(1);
    const saved = JSON.parse(
      JSON.stringify({ step: first.h.snapshots.get(1), state: first.state.snapshot() }),
    ) as { step: { operator: unknown }; state: ReturnType<StateBackend["snapshot"]> };
    const emittedBefore = first.h.values();

    // Second run: a new operator on the restored state continues with the rest of the input.
    const state = new MemoryStateBackend();
    state.restore(saved.state);
    const second = harness(settings, state);
    second.op.restore(saved.step.operator);
    push(second.h, readings.slice(100));
    second.h.watermark(Number.POSITIVE_INFINITY);
    assert.deepEqual([...emittedBefore, ...second.h.values()], whole.h.values());
  });

  it("runs in a pipeline: keyBy(...).detectAnomalies(...) over a bounded source", async () => {
    const readings = [
      ...Array.from({ length: 30 }, (_, i) => at("a", 20 + (i % 3) / 10, i * 1000)),
      at("a", 35, 30_000),
      at("a", 20.1, 31_000),
    ];
    const alerts = collect<Anomaly<Reading, string>>();
    const p = new Pipeline("anomalies");
    p.source("readings", fromCollection(readings))
      .withEventTime((r) => r.ts, { maxOutOfOrderness: "2s" })
      .keyBy((r) => r.device)
      .detectAnomalies({ value: (r) => r.temp, method: "zscore", window: 20, threshold: 4 }, { id: "spikes" })
      .to(alerts);
    const job = await runToCompletion(p);
    assert.deepEqual(
      alerts.items.map((a) => [a.key, a.value, a.time]),
      [["a", 35, 30_000]],
    );
    assert.ok(job.status().some((s) => s.id === "spikes"));
  });
});
