/** The ride-hailing example over fixed collections: demand, supply and surge per cell and 30 s, by hand. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type DriverLocation,
  geoCell,
  type RideRequest,
  surgeMultiplier,
  surgePipeline,
} from "../../examples/ride-hailing-surge.js";
import { fromCollection } from "../../src/connectors/collection-source.js";
import { MemoryViewStore } from "../../src/sinks/view-writer.js";
import { runToCompletion } from "../../src/testing/index.js";

const BASE = Date.UTC(2026, 10, 1); // aligned to 30 s
/** Positions inside three cells. */
const A = { lat: 40.7215, lon: -73.9855 }; // 40.72,-73.99
const B = { lat: 40.7301, lon: -73.9701 }; // 40.73,-73.98
const C = { lat: 40.7055, lon: -74.0055 }; // 40.70,-74.01

let n = 0;
const request = (at: { lat: number; lon: number }, s: number): RideRequest => ({
  requestId: `r${n++}`,
  riderId: `rider${n}`,
  ...at,
  ts: BASE + s * 1000,
});
const driver = (
  id: string,
  at: { lat: number; lon: number },
  available: boolean,
  s: number,
): DriverLocation => ({
  driverId: id,
  ...at,
  available,
  ts: BASE + s * 1000,
});

describe("example: ride-hailing surge pricing", () => {
  it("names cells by their south-west corner and clamps requests per driver to [1, 3], rounded to 0.1", () => {
    assert.equal(geoCell(A.lat, A.lon), "40.72,-73.99");
    assert.equal(geoCell(40.73, -73.98), "40.73,-73.98");
    assert.deepEqual(
      [
        surgeMultiplier(5, 2),
        surgeMultiplier(1, 3),
        surgeMultiplier(4, 0),
        surgeMultiplier(7, 2),
        surgeMultiplier(0, 0),
        surgeMultiplier(5, 4),
      ],
      [2.5, 1, 3, 3, 1, 1.3],
    );
  });

  it("counts requests and distinct available drivers per cell and window, and prices the surge", async () => {
    const requests = [
      ...[1, 2, 3, 4, 5].map((s) => request(A, s)),
      request(B, 6),
      ...[7, 8, 9, 10].map((s) => request(C, s)),
      ...[31, 32, 33].map((s) => request(A, s)),
    ];
    const drivers = [
      driver("d1", A, true, 1),
      driver("d2", A, true, 2),
      driver("d1", A, true, 10), // the same driver again: counted once
      driver("d3", A, false, 11), // busy: not supply
      driver("d4", B, true, 3),
      driver("d5", B, true, 4),
      driver("d6", B, true, 5),
      driver("d1", A, true, 35),
      driver("d3", A, true, 36),
    ];
    const views = new MemoryViewStore();
    await runToCompletion(
      surgePipeline(
        "surge",
        fromCollection(requests, { batchSize: 4 }),
        fromCollection(drivers, { batchSize: 3 }),
      ),
      { views },
    );
    const rows = new Map(
      [...views.rows("surge_pricing").values()].map((row) => {
        const r = row as {
          cell: string;
          windowStart: number;
          requests: number;
          drivers: number;
          surge: number;
        };
        return [`${r.cell}@${(r.windowStart - BASE) / 1000}`, [r.requests, r.drivers, r.surge]];
      }),
    );
    assert.deepEqual(
      rows,
      new Map([
        ["40.72,-73.99@0", [5, 2, 2.5]],
        ["40.73,-73.98@0", [1, 3, 1]],
        ["40.70,-74.01@0", [4, 0, 3]],
        ["40.72,-73.99@30", [3, 2, 1.5]],
      ]),
    );
  });
});
