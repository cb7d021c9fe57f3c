/** Every example's generator makes records its stream accepts, deterministically for a seed. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { streams as clickStreams, siteVisitors } from "../../examples/clickstream-sessions.js";
import { streams as iotStreams, sensorReadings } from "../../examples/iot-sensors.js";
import { driverLocations, rideRequests, streams as rideStreams } from "../../examples/ride-hailing-surge.js";
import { marketTrades, streams as tradeStreams } from "../../examples/trading-vwap.js";
import { streams as postStreams, socialPosts } from "../../examples/trending-topics.js";
import { SeededRandom } from "../../src/connectors/generator-source.js";

const BASE = Date.UTC(2026, 10, 1);
const streams = [...iotStreams, ...clickStreams, ...tradeStreams, ...rideStreams, ...postStreams];
const makers: Array<[string, () => (i: number, random: SeededRandom, now: number) => unknown]> = [
  ["readings", () => sensorReadings()],
  ["clicks", () => siteVisitors()],
  ["trades", () => marketTrades()],
  ["ride_requests", () => rideRequests()],
  ["driver_locations", () => driverLocations()],
  ["posts", () => socialPosts()],
];

function make(
  factory: () => (i: number, random: SeededRandom, now: number) => unknown,
  n: number,
): unknown[] {
  const maker = factory();
  const random = new SeededRandom(42);
  return Array.from({ length: n }, (_, i) => maker(i, random, BASE + i * 10));
}

describe("example generators", () => {
  for (const [name, factory] of makers) {
    it(`${name}: 2,000 records pass the stream's schema, with the event time they were made at`, () => {
      const stream = streams.find((s) => s.name === name)!;
      const records = make(factory, 2000);
      records.forEach((record, i) => {
        const result = stream.validateRecord(structuredClone(record));
        assert.ok(result.ok, `record ${i} ${JSON.stringify(record)}: ${result.ok ? "" : result.reason}`);
        assert.equal(result.eventTime, BASE + i * 10);
      });
      assert.deepEqual(make(factory, 200), records.slice(0, 200), "the same seed makes the same records");
    });
  }
});
