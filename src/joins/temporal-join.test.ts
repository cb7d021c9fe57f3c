import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { OperatorHarness } from "../testing/operator-harness.js";
import {
  disorderedSchedule,
  runThrough,
  runWithRestore,
  type ScheduledRecord,
} from "./disordered-arrivals.js";
import { TemporalJoinOperator } from "./temporal-join.js";

interface Probe {
  readonly id: string;
}
interface Change {
  readonly v: string;
  readonly del?: boolean;
}
const P = (id: string): Probe => ({ id });
const C = (v: string, del = false): Change => (del ? { v, del } : { v });
const show = (p: Probe, row: Change | undefined) => `${p.id}=${row === undefined ? "-" : row.v}`;

function joinHarness(options: { inner?: boolean } = {}) {
  const operator = new TemporalJoinOperator<Probe, Change, string>({
    join: show,
    isDelete: (c) => c.del === true,
    ...options,
  });
  return { operator, harness: new OperatorHarness(operator, { inputs: 2 }) };
}

function watermark(h: OperatorHarness<unknown, unknown>, time: number): void {
  h.watermark(time, 0).watermark(time, 1);
}

describe("TemporalJoinOperator", () => {
  it("joins each probe with its key's row as of the probe's time, once W > t", () => {
    const { harness: h } = joinHarness();
    h.push([C("eur1"), C("eur2"), C("usd1")], [10, 20, 5], { keys: ["EUR", "EUR", "USD"], input: 1 });
    h.push([P("a"), P("b"), P("c"), P("d"), P("e")], [9, 10, 19, 25, 5], {
      keys: ["EUR", "EUR", "EUR", "EUR", "USD"],
      input: 0,
    });
    watermark(h, 10);
    assert.deepEqual(h.output, [
      { value: "e=usd1", time: 5, key: "USD" },
      { value: "a=-", time: 9, key: "EUR" },
    ]);
    watermark(h, 11);
    assert.deepEqual(
      h.values().slice(2),
      ["b=eur1"],
      "a version at exactly the probe's time applies; the probe left once W = t + 1",
    );
    h.end();
    assert.deepEqual(h.output.slice(3), [
      { value: "c=eur1", time: 19, key: "EUR" },
      { value: "d=eur2", time: 25, key: "EUR" },
    ]);
  });

  it("applies a version that arrives after the probe but before the watermark passes it", () => {
    const { harness: h } = joinHarness();
    h.push([P("a")], [30], { keys: ["k"], input: 0 });
    h.push([C("late-arriving but on time")], [28], { keys: ["k"], input: 1 });
    h.push([C("too new")], [31], { keys: ["k"], input: 1 });
    h.end();
    assert.deepEqual(h.values(), ["a=late-arriving but on time"]);
  });

  it("treats a delete as no row until the next upsert, and inner drops probes without a row", () => {
    const changes = [C("v1"), C("", true), C("v2")];
    const probes = [P("a"), P("b"), P("c"), P("d"), P("e")];
    const probeTimes = [5, 10, 15, 20, 25];
    const outer = joinHarness().harness;
    outer.push(changes, [10, 15, 20], { keys: ["k", "k", "k"], input: 1 });
    outer.push(probes, probeTimes, { keys: ["k", "k", "k", "k", "x"], input: 0 });
    outer.end();
    assert.deepEqual(outer.values(), ["a=-", "b=v1", "c=-", "d=v2", "e=-"]);
    const inner = joinHarness({ inner: true }).harness;
    inner.push(changes, [10, 15, 20], { keys: ["k", "k", "k"], input: 1 });
    inner.push(probes, probeTimes, { keys: ["k", "k", "k", "k", "x"], input: 0 });
    inner.end();
    assert.deepEqual(inner.values(), ["b=v1", "d=v2"]);
  });

  it("without isDelete every changelog record is an upsert", () => {
    const operator = new TemporalJoinOperator<Probe, Change, string>({ join: show });
    const h = new OperatorHarness(operator, { inputs: 2 });
    h.push([C("x", true)], [1], { keys: ["k"], input: 1 });
    h.push([P("a")], [2], { keys: ["k"], input: 0 });
    h.end();
    assert.deepEqual(h.values(), ["a=x"]);
  });

  it("emits waiting probes in event-time order, ties in arrival order", () => {
    const { harness: h } = joinHarness();
    h.push([P("c"), P("a"), P("d"), P("b")], [30, 10, 30, 20], { keys: [1, 1, 1, 1], input: 0 });
    h.end();
    assert.deepEqual(h.values(), ["a=-", "b=-", "c=-", "d=-"]);
    assert.deepEqual(
      h.output.map((r) => r.time),
      [10, 20, 30, 30],
    );
  });

  it("sends late probes and late changes to the dead-letter ledger", () => {
    const { harness: h } = joinHarness();
    watermark(h, 100);
    h.push([P("late"), P("ok")], [99, 100], { keys: ["k", "k"], input: 0 });
    h.push([C("late"), C("ok")], [50, 100], { keys: ["k", "k"], input: 1 });
    h.end();
    assert.deepEqual(h.values(), ["ok=ok"]);
    assert.deepEqual(
      h.deadLetters.entries.map((d) => [d.reason, d.record, d.time]),
      [
        ["late", P("late"), 99],
        ["late", C("late"), 50],
      ],
    );
  });

  it("drops versions older than the newest one at or before W, and deletes with nothing before them", () => {
    const { operator, harness: h } = joinHarness();
    h.push([C("a1"), C("a2"), C("a3"), C("b1"), C("", true)], [10, 20, 30, 5, 15], {
      keys: ["a", "a", "a", "b", "b"],
      input: 1,
    });
    assert.equal(operator.stateSize(), 5);
    watermark(h, 14);
    assert.equal(operator.stateSize(), 5, "a1 and b1 are still current at 14");
    watermark(h, 19);
    assert.equal(
      operator.stateSize(),
      3,
      "b's delete at 15 is current: b1 and the delete go; a1 is still current",
    );
    watermark(h, 20);
    assert.equal(operator.stateSize(), 2, "a2 became current: a1 goes");
    h.push([P("p"), P("q")], [20, 25], { keys: ["a", "b"], input: 0 });
    assert.equal(operator.stateSize(), 4);
    watermark(h, 30);
    assert.deepEqual(h.values(), ["p=a2", "q=-"]);
    assert.equal(operator.stateSize(), 1, "a3 is the only version left");
    h.end();
    assert.equal(operator.stateSize(), 0, "end of input releases every probe and the table");
  });

  it("keeps state bounded on a long run with many keys", () => {
    const { operator, harness: h } = joinHarness();
    for (let t = 0; t < 1000; t += 10) {
      const keys = Array.from({ length: 50 }, (_, i) => i);
      h.push(
        keys.map((i) => C(`${i}@${t}`)),
        keys.map(() => t),
        { keys, input: 1 },
      );
      h.push(
        keys.map((i) => P(`${i}@${t}`)),
        keys.map(() => t + 5),
        { keys, input: 0 },
      );
      watermark(h, t + 1);
      assert.ok(operator.stateSize() <= 150, `state at ${t}: ${operator.stateSize()}`);
    }
    h.end();
    assert.equal(h.output.length, 5000);
    assert.ok(h.output.every((r) => r.value === `${r.key}@${r.time - 5}=${r.key}@${r.time - 5}`));
  });

  it("continues identically after snapshot → JSON → restore, deletes and lateness included", () => {
    const make = () =>
      new TemporalJoinOperator<Probe, Change, string>({ join: show, isDelete: (c) => c.del === true });
    const records: ScheduledRecord<Probe | Change>[] = [];
    for (let i = 0; i < 60; i++) {
      const input = (i % 3 === 0 ? 1 : 0) as 0 | 1;
      const value = input === 0 ? P(`p${i}`) : C(`c${i}`, i % 9 === 0);
      records.push({ input, key: i % 2, time: i * 2, value, delay: (i * 7) % 9, cut: i % 4 === 0 });
    }
    const steps = disorderedSchedule(records, 8);
    const whole = runThrough(make, steps);
    assert.ok(whole.output.some((r) => !r.value.endsWith("=-")));
    for (const at of [0, 7, steps.length >> 1, steps.length - 1]) {
      assert.deepEqual(runWithRestore(make, steps, at), whole, `restored at step ${at}`);
    }
    const first = make();
    const h = new OperatorHarness(first, { inputs: 2 });
    watermark(h, 50);
    const second = make();
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    const h2 = new OperatorHarness(second, { inputs: 2 });
    h2.push([C("x")], [49], { keys: ["a"], input: 1 });
    assert.equal(h2.deadLetters.entries.length, 1);
  });

  it("rejects unkeyed input and a bad snapshot", () => {
    const { operator, harness: h } = joinHarness();
    assert.throws(() => h.push([P("a")], [1], { input: 0 }), /not keyed/);
    assert.throws(() => operator.restore({ nope: true }), TypeError);
  });

  it("property: any arrival order within the disorder bound gives the as-of lookup over all records, also across a restore", () => {
    const maxDisorder = 12;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            input: fc.constantFrom<0 | 1>(0, 1),
            key: fc.constantFrom<unknown>("a", "b", 3),
            time: fc.integer({ min: 0, max: 40 }),
            delay: fc.integer({ min: 0, max: maxDisorder }),
            cut: fc.boolean(),
            del: fc.boolean(),
          }),
          { maxLength: 60, size: "medium" },
        ),
        fc.boolean(),
        fc.nat(),
        (raw, inner, cutAt) => {
          // Two versions of one key at the same time would be ordered by arrival: keep one per (key, time).
          const seen = new Set<string>();
          const records: ScheduledRecord<Probe | Change>[] = [];
          raw.forEach(({ del, ...r }, id) => {
            if (r.input === 1) {
              const version = JSON.stringify([r.key, r.time]);
              if (seen.has(version)) return;
              seen.add(version);
            }
            records.push({ ...r, value: r.input === 0 ? P(`p${id}`) : C(`c${id}`, del) });
          });
          const make = () =>
            new TemporalJoinOperator<Probe, Change, string>({
              join: show,
              isDelete: (c) => c.del === true,
              inner,
            });
          const steps = disorderedSchedule(records, maxDisorder);
          const run = runThrough(make, steps);
          assert.equal(run.deadLetters, 0);
          assert.deepEqual(asMultiset(run.output), asOfJoin(records, inner));
          for (let i = 1; i < run.output.length; i++)
            assert.ok(run.output[i - 1]!.time <= run.output[i]!.time);
          assert.deepEqual(runWithRestore(make, steps, cutAt % (steps.length + 1)), run);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("sends a probe on which the join function throws to the dead-letter ledger as failed; the others are emitted", () => {
    const operator = new TemporalJoinOperator<Probe, Change, string>({
      join: (p, row) => {
        if (p.id === "bad") throw new Error("no");
        return show(p, row);
      },
    });
    const h = new OperatorHarness(operator, { inputs: 2 });
    h.push([C("eur1")], [1], { keys: ["EUR"], input: 1 });
    h.push([P("ok"), P("bad")], [2, 3], { keys: ["EUR", "EUR"], input: 0 });
    h.end();
    assert.deepEqual(h.values(), ["ok=eur1"]);
    assert.deepEqual(
      h.deadLetters.entries.map((d) => [d.reason, d.record, d.time]),
      [["failed", { probe: P("bad"), row: C("eur1") }, 3]],
    );
  });
});

function asOfJoin(records: ScheduledRecord<Probe | Change>[], inner: boolean): string[] {
  const out: string[] = [];
  for (const p of records) {
    if (p.input !== 0) continue;
    let version: ScheduledRecord<Probe | Change> | undefined;
    for (const c of records) {
      if (c.input !== 1 || c.key !== p.key || c.time > p.time) continue;
      if (version === undefined || c.time > version.time) version = c;
    }
    const change = version?.value as Change | undefined;
    const row = change?.del === true ? undefined : change;
    if (inner && row === undefined) continue;
    out.push(JSON.stringify([show(p.value as Probe, row), p.time, p.key]));
  }
  return out.sort();
}

function asMultiset(output: Array<{ value: string; time: number; key: unknown }>): string[] {
  return output.map((r) => JSON.stringify([r.value, r.time, r.key])).sort();
}
