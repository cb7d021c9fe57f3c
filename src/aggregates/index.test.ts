import assert from "node:assert/strict";
import { test } from "node:test";
import * as aggregates from "./index.js";

test("every aggregate's kind is its function name", () => {
  const id = (x: number) => x;
  const made = {
    count: aggregates.count(),
    sum: aggregates.sum(id),
    avg: aggregates.avg(id),
    min: aggregates.min(id),
    max: aggregates.max(id),
    first: aggregates.first(id),
    last: aggregates.last(id),
    approxDistinct: aggregates.approxDistinct(id),
    quantile: aggregates.quantile(id, 0.5),
    quantiles: aggregates.quantiles(id),
    topK: aggregates.topK(id, 3),
    aggregate: aggregates.aggregate({ create: () => 0, add: (n) => n, merge: (a) => a, result: (n) => n }),
  };
  for (const [name, fn] of Object.entries(made)) assert.equal(fn.kind, name);
});

test("one AggregateSpec can mix every aggregate", () => {
  interface Reading {
    sensor: string;
    temp: number;
  }
  const spec = {
    n: aggregates.count<Reading>(),
    avgTemp: aggregates.avg((r: Reading) => r.temp),
    sensors: aggregates.approxDistinct((r: Reading) => r.sensor),
    p95: aggregates.quantile((r: Reading) => r.temp, 0.95),
    busiest: aggregates.topK((r: Reading) => r.sensor, 1),
  } satisfies aggregates.AggregateSpec<Reading>;
  const fns = Object.entries(spec as aggregates.AggregateSpec<Reading>);
  const accs = Object.fromEntries(fns.map(([k, fn]) => [k, fn.create()]));
  const readings = [
    { sensor: "a", temp: 20 },
    { sensor: "b", temp: 24 },
    { sensor: "a", temp: 22 },
  ];
  for (const [i, r] of readings.entries()) {
    for (const [k, fn] of fns) accs[k] = aggregates.addRecord(fn, accs[k], r, i);
  }
  const row = Object.fromEntries(
    fns.map(([k, fn]) => [k, fn.result(accs[k])]),
  ) as aggregates.AggregateResults<typeof spec>;
  assert.equal(row.n, 3);
  assert.equal(row.avgTemp, 22);
  assert.equal(row.sensors, 2);
  assert.ok(Math.abs(row.p95! - 22) <= 0.22);
  assert.deepEqual(row.busiest, [{ value: "a", count: 2 }]);
});
