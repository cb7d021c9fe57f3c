/** The IoT example over a fixed collection: per-device 10 s stats and anomaly alerts, checked by hand. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { iotPipeline, type Reading, sensorReadings } from "../../examples/iot-sensors.js";
import { startDurable } from "../../src/checkpoint/durable-run.js";
import { fromCollection } from "../../src/connectors/collection-source.js";
import { SeededRandom } from "../../src/connectors/generator-source.js";
import { storedStream } from "../../src/connectors/stored-stream.js";
import { MemoryViewStore } from "../../src/sinks/view-writer.js";
import { EmbeddedStore } from "../../src/store/index.js";
import { runToCompletion } from "../../src/testing/index.js";

const BASE = Date.UTC(2026, 10, 1); // aligned to 10 s
const reading = (deviceId: string, temp: number, ms: number): Reading => ({
  deviceId,
  temp,
  humidity: 40,
  ts: BASE + ms,
});

describe("example: IoT sensor monitoring", () => {
  it("computes per-device 10 s stats and alerts on a reading far off the device's baseline", async () => {
    const readings: Reading[] = [
      // d1: [0, 10 s) holds 20, 21, 22, 23 (one out of order); [10 s, 20 s) holds 30.
      reading("d1", 20, 1000),
      reading("d1", 22, 3000),
      reading("d1", 21, 2000),
      reading("d1", 23, 4000),
      reading("d1", 30, 12_000),
    ];
    // d2: 30 steady readings (20.0 / 20.2 alternating) every 500 ms, then a spike to 35 and back to normal.
    for (let i = 0; i < 30; i++) readings.push(reading("d2", i % 2 === 0 ? 20 : 20.2, 20_000 + i * 500));
    readings.push(reading("d2", 35, 35_000), reading("d2", 20.1, 35_500));
    readings.sort((a, b) => a.ts - b.ts || (a.deviceId === "d1" ? 0 : 1));

    const views = new MemoryViewStore();
    await runToCompletion(iotPipeline("iot", fromCollection(readings, { batchSize: 3 })), { views });

    const stats = views.rows("device_stats");
    const d1 = stats.get(`"d1"|${BASE}|${BASE + 10_000}`) as Record<string, number>;
    assert.equal(d1.n, 4);
    assert.equal(d1.avgTemp, 21.5);
    assert.equal(d1.maxTemp, 23);
    // The p95 of 4 values is the value of rank ⌊0.95 × 3⌋ = 2 in sorted order: 22, within the sketch's 1%.
    assert.ok(Math.abs(d1.p95Temp! - 22) <= 22 * 0.01, `p95 ${d1.p95Temp} within 1% of 22`);
    const d1Next = stats.get(`"d1"|${BASE + 10_000}|${BASE + 20_000}`) as Record<string, number>;
    assert.deepEqual([d1Next.n, d1Next.avgTemp, d1Next.maxTemp], [1, 30, 30]);
    // d2's readings from 20 s to 35.5 s fall in windows [20, 30) (20 readings) and [30, 40) (12).
    assert.equal((stats.get(`"d2"|${BASE + 20_000}|${BASE + 30_000}`) as Record<string, number>).n, 20);
    assert.equal((stats.get(`"d2"|${BASE + 30_000}|${BASE + 40_000}`) as Record<string, number>).n, 12);

    const alerts = [...views.rows("device_alerts").values()] as Array<Record<string, unknown>>;
    assert.equal(alerts.length, 1, JSON.stringify(alerts));
    const [alert] = alerts;
    assert.equal(alert!.deviceId, "d2");
    assert.equal(alert!.ts, BASE + 35_000);
    assert.equal(alert!.temp, 35);
    assert.equal(alert!.direction, "high");
    assert.ok(Math.abs((alert!.expected as number) - 20.1) < 0.05, `expected ≈ 20.1, got ${alert!.expected}`);
    assert.ok(views.rows("device_alerts").has(`d2|${BASE + 35_000}`));
  });
});

describe("example: IoT sensor monitoring, durably", () => {
  it("stopped mid-stream and resumed from its checkpoint, ends with the views of an uninterrupted run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-iot-"));
    const make = sensorReadings(5);
    const random = new SeededRandom(3);
    const readings = Array.from({ length: 3000 }, (_, i) => make(i, random, BASE + i * 20));
    const append = (store: EmbeddedStore, from: number, to: number) => {
      const batch = readings.slice(from, to);
      store.log.append(
        "readings",
        batch,
        batch.map((r) => r.ts),
        0,
      );
    };
    const rows = (store: EmbeddedStore, view: string) =>
      new Map(store.views.list(view, { limit: 100_000 }).map((r) => [r.key, r.value]));
    try {
      const reference = new EmbeddedStore(join(dir, "reference"));
      append(reference, 0, readings.length);
      await startDurable(iotPipeline("iot", storedStream<Reading>("readings", { until: readings.length })), {
        store: reference,
      }).job.done;
      assert.ok(rows(reference, "device_alerts").size > 0, "the spikes are found");

      const store = new EmbeddedStore(join(dir, "interrupted"));
      const first = startDurable(
        iotPipeline("iot", storedStream<Reading>("readings", { until: readings.length })),
        {
          store,
          checkpointInterval: 10,
        },
      );
      for (let i = 0; i < 1500; i += 100) {
        append(store, i, i + 100);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await first.job.stop(); // as a crash would: no final checkpoint
      append(store, 1500, readings.length);
      const second = startDurable(
        iotPipeline("iot", storedStream<Reading>("readings", { until: readings.length })),
        {
          store,
        },
      );
      assert.ok(second.resumedFrom !== undefined, "resumed from a checkpoint");
      await second.job.done;
      for (const view of ["device_stats", "device_alerts"]) {
        assert.deepEqual(rows(store, view), rows(reference, view), view);
      }
      store.close();
      reference.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
