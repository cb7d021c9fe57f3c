/**
 * IoT sensor monitoring: per-device statistics every 10 s (count, average, p95 and maximum temperature) and
 * anomaly alerts (a reading far off the device's own exponentially weighted baseline), over the stored
 * stream "readings". Run it with:
 *
 *   sluice run examples/iot-sensors.ts --data ./data
 *   curl -XPOST localhost:8080/v1/streams/readings/events -H 'content-type: application/x-ndjson' \
 *     --data-binary $'{"deviceId":"sensor-01","temp":21.4,"humidity":40,"ts":1764115200000}\n'
 *   curl 'localhost:8080/v1/views/device_stats?order=updated&limit=20'
 *   curl localhost:8080/v1/views/device_alerts
 */
import {
  avg,
  count,
  defineStream,
  max,
  Pipeline,
  quantile,
  type SeededRandom,
  type Source,
  storedStream,
  tumbling,
  view,
} from "sluice";

export interface Reading {
  deviceId: string;
  /** Degrees Celsius. */
  temp: number;
  /** Relative humidity, percent. */
  humidity: number;
  ts: number;
}

/** The pipeline over any source of readings (the stored stream by default). */
export function iotPipeline(name: string, readings: Source<Reading>): Pipeline {
  const p = new Pipeline(name);
  const byDevice = p
    .source("readings", readings)
    .withEventTime((r) => r.ts, { maxOutOfOrderness: "3s", idleTimeout: "30s" })
    .keyBy((r) => r.deviceId);
  byDevice
    .window(tumbling("10s"), { id: "device-stats" })
    .aggregate(
      {
        n: count(),
        avgTemp: avg((r: Reading) => r.temp),
        p95Temp: quantile((r: Reading) => r.temp, 0.95),
        maxTemp: max((r: Reading) => r.temp),
      },
      { emit: "updates" },
    )
    .to(view("device_stats"));
  byDevice
    .detectAnomalies(
      { value: (r) => r.temp, method: "ewma", alpha: 0.1, threshold: 4, warmup: 20 },
      { id: "temp-anomalies" },
    )
    .map((a) => ({
      deviceId: a.key,
      ts: a.time,
      temp: a.value,
      expected: a.expected,
      stddev: a.stddev,
      score: a.score,
      direction: a.direction,
    }))
    .to(view("device_alerts", { key: (a) => `${a.deviceId}|${a.ts}` }));
  return p;
}

/** The stream clients POST readings to; records are validated (and cleansed) before they reach the log. */
export const streams = [
  defineStream({
    name: "readings",
    schema: {
      type: "object",
      required: ["deviceId", "temp", "ts"],
      properties: {
        deviceId: { type: "string", minLength: 1 },
        temp: { type: "number", minimum: -80, maximum: 200 },
        humidity: { type: "number", minimum: 0, maximum: 100 },
        ts: { type: "integer" },
      },
    },
    key: "deviceId",
    eventTime: "ts",
    cleanse: { trim: true, coerceNumbers: true, dropUnknown: true, defaults: { humidity: 50 } },
  }),
];

/**
 * Simulated sensors for demos and load tests: `devices` sensors in turn, each around its own temperature with
 * a slow daily-like swing and noise, and a rare spike (about 1 reading in 150) for the anomaly detector.
 * Use with `generatorSource({ ratePerSecond: 200, make: sensorReadings() })`.
 */
export function sensorReadings(devices = 20): (index: number, random: SeededRandom, now: number) => Reading {
  return (index, random, now) => {
    const device = index % devices;
    const base = 19 + (device % 7) * 0.8 + Math.sin(now / 120_000 + device) * 0.5;
    const spike = random.next() < 1 / 150 ? (random.next() < 0.8 ? 1 : -1) * (6 + random.next() * 6) : 0;
    return {
      deviceId: `sensor-${String(device + 1).padStart(2, "0")}`,
      temp: Math.round((random.gaussian(base, 0.3) + spike) * 100) / 100,
      humidity: Math.round(random.gaussian(45 + (device % 5) * 3, 2) * 10) / 10,
      ts: now,
    };
  };
}

export default iotPipeline("iot", storedStream<Reading>("readings"));
