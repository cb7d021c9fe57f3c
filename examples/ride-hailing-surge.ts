/**
 * Ride-hailing surge pricing: per geo cell (a 0.01° grid, about 1 km) and 30 s window, ride requests against
 * distinct available drivers, and the surge multiplier clamp(requests / drivers, 1, 3) rounded to 0.1, from
 * the stored streams "ride_requests" and "driver_locations" (merged, then aggregated per cell). Rows are
 * updated live while a window is open. Run it with:
 *
 *   sluice run examples/ride-hailing-surge.ts --data ./data
 *   curl -XPOST localhost:8080/v1/streams/ride_requests/events -H 'content-type: application/x-ndjson' \
 *     --data-binary $'{"requestId":"r1","riderId":"ann","lat":40.7221,"lon":-73.9874,"ts":1764115200000}\n'
 *   curl -XPOST localhost:8080/v1/streams/driver_locations/events -H 'content-type: application/x-ndjson' \
 *     --data-binary $'{"driverId":"d7","lat":40.7229,"lon":-73.9861,"available":true,"ts":1764115201000}\n'
 *   curl 'localhost:8080/v1/views/surge_pricing?order=updated&limit=25'
 */
import {
  aggregate,
  defineStream,
  Pipeline,
  type SeededRandom,
  type Source,
  storedStream,
  sum,
  tumbling,
  view,
} from "sluice";

export interface RideRequest {
  requestId: string;
  riderId: string;
  lat: number;
  lon: number;
  ts: number;
}

export interface DriverLocation {
  driverId: string;
  lat: number;
  lon: number;
  available: boolean;
  ts: number;
}

/** One cell's demand and supply in one 30 s window. */
export interface SurgeRow {
  cell: string;
  windowStart: number;
  windowEnd: number;
  requests: number;
  drivers: number;
  surge: number;
}

/** The geo cell of a position: its 0.01° grid square, named by its south-west corner, e.g. "40.72,-73.99". */
export function geoCell(lat: number, lon: number): string {
  const corner = (x: number) => (Math.floor(x * 100 + 1e-9) / 100).toFixed(2);
  return `${corner(lat)},${corner(lon)}`;
}

/** The multiplier for a cell: requests per available driver, clamped to [1, 3] and rounded to 0.1. */
export function surgeMultiplier(requests: number, drivers: number): number {
  if (requests === 0) return 1;
  const ratio = drivers === 0 ? 3 : requests / drivers;
  return Math.round(Math.min(3, Math.max(1, ratio)) * 10) / 10;
}

/** Demand and supply as one stream: a request counts 1, an available driver's position names the driver. */
interface CellEvent {
  cell: string;
  request: number;
  driver: string | null;
}

/** The exact number of distinct drivers (a set: cells hold a few dozen drivers per window). */
const distinctDrivers = aggregate({
  kind: "distinct-drivers",
  create: (): string[] => [],
  add(acc: string[], e: CellEvent) {
    if (e.driver !== null && !acc.includes(e.driver)) acc.push(e.driver);
    return acc;
  },
  merge: (a: string[], b: string[]) => [...new Set([...a, ...b])],
  result: (acc: string[]) => acc.length,
});

/** The pipeline over any sources of requests and driver positions (the stored streams by default). */
export function surgePipeline(
  name: string,
  requests: Source<RideRequest>,
  drivers: Source<DriverLocation>,
): Pipeline {
  const p = new Pipeline(name);
  const settings = { maxOutOfOrderness: "3s", idleTimeout: "30s" } as const;
  const demand = p
    .source("ride-requests", requests)
    .withEventTime((r) => r.ts, settings)
    .map((r): CellEvent => ({ cell: geoCell(r.lat, r.lon), request: 1, driver: null }));
  const supply = p
    .source("driver-locations", drivers)
    .withEventTime((d) => d.ts, settings)
    .filter((d) => d.available)
    .map((d): CellEvent => ({ cell: geoCell(d.lat, d.lon), request: 0, driver: d.driverId }));
  demand
    .union(supply)
    .keyBy((e) => e.cell)
    .window(tumbling("30s"), { id: "cell-demand-supply" })
    .aggregate({ requests: sum((e: CellEvent) => e.request), drivers: distinctDrivers }, { emit: "updates" })
    .map(
      (w): SurgeRow => ({
        cell: w.key,
        windowStart: w.windowStart,
        windowEnd: w.windowEnd,
        requests: w.requests,
        drivers: w.drivers,
        surge: surgeMultiplier(w.requests, w.drivers),
      }),
    )
    .to(view("surge_pricing", { key: (r) => `${r.cell}|${r.windowStart}` }));
  return p;
}

/** The streams clients POST to; records are validated (and cleansed) before they reach the log. */
export const streams = [
  defineStream({
    name: "ride_requests",
    schema: {
      type: "object",
      required: ["requestId", "riderId", "lat", "lon", "ts"],
      properties: {
        requestId: { type: "string", minLength: 1 },
        riderId: { type: "string", minLength: 1 },
        lat: { type: "number", minimum: -90, maximum: 90 },
        lon: { type: "number", minimum: -180, maximum: 180 },
        ts: { type: "integer" },
      },
    },
    key: "riderId",
    eventTime: "ts",
    cleanse: { trim: true, coerceNumbers: true, dropUnknown: true },
  }),
  defineStream({
    name: "driver_locations",
    schema: {
      type: "object",
      required: ["driverId", "lat", "lon", "available", "ts"],
      properties: {
        driverId: { type: "string", minLength: 1 },
        lat: { type: "number", minimum: -90, maximum: 90 },
        lon: { type: "number", minimum: -180, maximum: 180 },
        available: { type: "boolean" },
        ts: { type: "integer" },
      },
    },
    key: "driverId",
    eventTime: "ts",
    cleanse: { trim: true, coerceNumbers: true, dropUnknown: true },
  }),
];

/** The simulated city: a 5 × 5 grid of cells from this south-west corner. */
const SOUTH = 40.7;
const WEST = -74.01;
const GRID = 5;

const inGrid = (random: SeededRandom, cellLat: number, cellLon: number) => ({
  lat: Math.round((SOUTH + (cellLat + random.next()) * 0.01) * 1e5) / 1e5,
  lon: Math.round((WEST + (cellLon + random.next()) * 0.01) * 1e5) / 1e5,
});

/**
 * Simulated ride requests for demos and load tests: 82.5% spread over the city (some neighbourhoods busier
 * than others), the rest at three hotspots (10%, 5% and 2.5% of demand) that move every two minutes.
 * Balanced against `driverLocations()` when requests come at a fifth of the rate of driver positions.
 * Use with `generatorSource({ ratePerSecond: 20, make: rideRequests() })`.
 */
export function rideRequests(): (index: number, random: SeededRandom, now: number) => RideRequest {
  const shares = [0.1, 0.05, 0.025];
  // Some neighbourhoods are busier than others (up to twice the quietest).
  const busy = Array.from({ length: GRID * GRID }, (_, c) => 1 + ((c * 7) % 5) * 0.25);
  const busyTotal = busy.reduce((a, b) => a + b, 0);
  return (index, random, now) => {
    const era = Math.floor(now / 120_000);
    const r = random.next();
    let cell = 0;
    let pick = random.next() * busyTotal;
    while (cell < busy.length - 1 && (pick -= busy[cell]!) >= 0) cell++;
    for (let h = 0, acc = 0; h < shares.length; h++) {
      acc += shares[h]!;
      if (r < acc) {
        cell = (era * 7 + h * 11) % (GRID * GRID);
        break;
      }
    }
    return {
      requestId: `req-${now.toString(36)}-${index}`,
      riderId: `rider-${random.int(5000)}`,
      ...inGrid(random, Math.floor(cell / GRID), cell % GRID),
      ts: now,
    };
  };
}

/**
 * Simulated driver positions: `fleet` drivers report in turn, each around a home cell, available 60% of the
 * time (each driver's status changes at most once a minute).
 * Use with `generatorSource({ ratePerSecond: 100, make: driverLocations() })`.
 */
export function driverLocations(
  fleet = 1000,
): (index: number, random: SeededRandom, now: number) => DriverLocation {
  return (index, random, now) => {
    const driver = index % fleet;
    const home = (driver * 7919) % (GRID * GRID);
    const status = (Math.imul(driver, 2654435761) + Math.imul(Math.floor(now / 60_000), 40503)) >>> 0;
    return {
      driverId: `driver-${driver}`,
      ...inGrid(random, Math.floor(home / GRID), home % GRID),
      available: (status >>> 16) % 10 < 6,
      ts: now,
    };
  };
}

export default surgePipeline(
  "ride-hailing",
  storedStream<RideRequest>("ride_requests"),
  storedStream<DriverLocation>("driver_locations"),
);
