/**
 * Property tests of window semantics against a plain batch computation over the sorted input:
 * random keyed records, shuffled within the allowed disorder, random batch sizes and partitions.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { aggregate } from "../aggregates/custom.js";
import { count, max, min, sum } from "../aggregates/index.js";
import { fromCollection } from "../connectors/collection-source.js";
import { ManualClock } from "../core/clock.js";
import { Pipeline } from "../dataflow/pipeline.js";
import { MemoryDeadLetterLedger } from "../runtime/dead-letter.js";
import { collect } from "../sinks/collect-sink.js";
import {
  alignedStart,
  session,
  sliding,
  tumbling,
  type WindowAssigner,
  windowStartsFor,
} from "./window-assigner.js";

interface Rec {
  id: number;
  k: string;
  v: number;
  t: number;
}

interface Row {
  key: string;
  windowStart: number;
  windowEnd: number;
  n: number;
  total: number;
  lo: number | null;
  hi: number | null;
}

const rowId = (r: { key: unknown; windowStart: number; windowEnd: number }) =>
  `${r.key}|${r.windowStart}|${r.windowEnd}`;

/** The batch reference: windows computed over all records at once, sorted by time. */
function batchWindows(records: Rec[], assigner: WindowAssigner): Map<string, Row> {
  const sorted = [...records].sort((a, b) => a.t - b.t || a.id - b.id);
  const out = new Map<string, Row>();
  const add = (key: string, start: number, end: number, r: Rec) => {
    const id = `${key}|${start}|${end}`;
    let row = out.get(id);
    if (row === undefined) {
      row = { key, windowStart: start, windowEnd: end, n: 0, total: 0, lo: null, hi: null };
      out.set(id, row);
    }
    row.n++;
    row.total += r.v;
    row.lo = row.lo === null ? r.v : Math.min(row.lo, r.v);
    row.hi = row.hi === null ? r.v : Math.max(row.hi, r.v);
  };
  if (assigner.kind === "session") {
    const byKey = new Map<string, Rec[]>();
    for (const r of sorted) (byKey.get(r.k) ?? byKey.set(r.k, []).get(r.k)!).push(r);
    for (const [key, rs] of byKey) {
      let group: Rec[] = [];
      const flush = () => {
        if (group.length === 0) return;
        const start = group[0]!.t;
        const end = group[group.length - 1]!.t + assigner.gap;
        for (const r of group) add(key, start, end, r);
        group = [];
      };
      for (const r of rs) {
        if (group.length > 0 && r.t - group[group.length - 1]!.t >= assigner.gap) flush();
        group.push(r);
      }
      flush();
    }
    return out;
  }
  const size = assigner.size;
  for (const r of sorted) for (const s of windowStartsFor(assigner, r.t)) add(r.k, s, s + size, r);
  return out;
}

/** Arrival order within the disorder bound: sort by time plus a random delay of at most `bound`. */
function arrivalOrder(records: Rec[], delays: number[], bound: number): Rec[] {
  return records
    .map((r, i) => ({ r, at: r.t + Math.floor(delays[i % delays.length]! % (bound + 1)) }))
    .sort((a, b) => a.at - b.at || a.r.id - b.r.id)
    .map((x) => x.r);
}

const assigners = fc.oneof(
  fc.integer({ min: 1, max: 50 }).map((s) => tumbling(s * 100)),
  fc
    .tuple(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 5 }))
    .map(([slide, k]) => sliding(slide * 100 * k, slide * 100)),
  fc
    .tuple(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 1, max: 3 }))
    .map(([size, slide]) => sliding(size * 70, Math.min(size, slide) * 70)),
  fc.integer({ min: 1, max: 30 }).map((g) => session(g * 100)),
);

const recordSets = fc
  .array(
    fc.tuple(
      fc.constantFrom("a", "b", "c", "d"),
      fc.integer({ min: 0, max: 20_000 }),
      fc.integer({ min: -50, max: 50 }),
    ),
    {
      minLength: 1,
      maxLength: 300,
    },
  )
  .map((xs) => xs.map(([k, t, v], id) => ({ id, k, t, v })));

/** The ids of a window's records, in order. */
const recordIds = aggregate({
  kind: "ids",
  create: (): number[] => [],
  add: (acc: number[], r: Rec) => {
    acc.push(r.id);
    return acc;
  },
  merge: (a: number[], b: number[]) => {
    a.push(...b);
    return a;
  },
  result: (acc: number[]) => [...acc].sort((x, y) => x - y),
});

async function runWindows(
  arrival: Rec[],
  assigner: WindowAssigner,
  options: { ooo: number; batchSize: number; partitions: number; lateness?: number; ids?: boolean },
) {
  const p = new Pipeline("windows");
  const out = collect<Row>();
  const late = collect<Rec>();
  const result = p
    .source("in", fromCollection(arrival, { partitions: options.partitions, batchSize: options.batchSize }))
    .withEventTime((r) => r.t, { maxOutOfOrderness: options.ooo })
    .keyBy((r) => r.k)
    .window(assigner, { allowedLateness: options.lateness ?? 0 })
    .aggregate({
      n: count(),
      total: sum((r: Rec) => r.v),
      lo: min((r: Rec) => r.v),
      hi: max((r: Rec) => r.v),
      // The ids of the window's records, to tell which records a row holds (only when asked: rows compared
      // with the batch reference have no ids).
      ...(options.ids ? { ids: recordIds } : {}),
    });
  result.to(out as never);
  result.late().to(late);
  const deadLetters = new MemoryDeadLetterLedger();
  await p.run({ clock: new ManualClock(0), deadLetters });
  return { rows: out.items, late: late.items, deadLetters };
}

test("windows equal the batch computation for any arrival order within maxOutOfOrderness", async () => {
  await fc.assert(
    fc.asyncProperty(
      recordSets,
      assigners,
      fc.integer({ min: 0, max: 3000 }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 50 }),
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 1, max: 3 }),
      async (records, assigner, ooo, delays, batchSize, partitions) => {
        const arrival = arrivalOrder(records, delays, ooo);
        const { rows, late } = await runWindows(arrival, assigner, { ooo, batchSize, partitions });
        assert.deepEqual(late, [], "no record within the disorder bound is late");
        const expected = batchWindows(records, assigner);
        const actual = new Map(rows.map((r) => [rowId(r), r]));
        assert.equal(rows.length, actual.size, "one final result per key and window");
        assert.deepEqual(
          [...actual.values()].sort((a, b) => rowId(a).localeCompare(rowId(b))),
          [...expected.values()].sort((a, b) => rowId(a).localeCompare(rowId(b))),
        );
      },
    ),
    { numRuns: 150 },
  );
});

test("results are identical across runs, batch sizes and partitionings", async () => {
  await fc.assert(
    fc.asyncProperty(
      recordSets,
      assigners,
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 50 }),
      async (records, assigner, b1, b2) => {
        const arrival = arrivalOrder(records, [0, 170, 40, 999, 3], 1000);
        const one = await runWindows(arrival, assigner, { ooo: 1000, batchSize: b1, partitions: 1 });
        const two = await runWindows(arrival, assigner, { ooo: 1000, batchSize: b2, partitions: 3 });
        const norm = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).sort();
        assert.deepEqual(norm(one.rows), norm(two.rows));
      },
    ),
    { numRuns: 60 },
  );
});

test("records beyond the lateness bound all reach the late output; the rest are counted (tumbling, sliding)", async () => {
  const aligned = fc.oneof(
    fc.integer({ min: 1, max: 20 }).map((s) => tumbling(s * 100)),
    fc
      .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }))
      .map(([slide, k]) => sliding(slide * 100 * k, slide * 100)),
  );
  await fc.assert(
    fc.asyncProperty(
      recordSets,
      aligned,
      fc.integer({ min: 0, max: 500 }),
      fc.integer({ min: 0, max: 2000 }),
      fc.integer({ min: 1, max: 20 }),
      async (records, assigner, ooo, lateness, batchSize) => {
        // Fully random arrival order: many records are late.
        const arrival = [...records].sort(
          (a, b) => ((a.id * 7919) % 101) - ((b.id * 7919) % 101) || a.id - b.id,
        );
        const { rows, late } = await runWindows(arrival, assigner, {
          ooo,
          batchSize,
          partitions: 1,
          lateness,
        });
        // Reference: replay the watermark batch by batch (it advances after each batch).
        const slide = assigner.kind === "tumbling" ? assigner.size : assigner.slide;
        let maxSeen = Number.NEGATIVE_INFINITY;
        const expectedLate: Rec[] = [];
        const kept: Rec[] = [];
        for (let b = 0; b < arrival.length; b += batchSize) {
          const wm = maxSeen === Number.NEGATIVE_INFINITY ? Number.NEGATIVE_INFINITY : maxSeen - ooo;
          for (const r of arrival.slice(b, b + batchSize)) {
            const lastEnd = alignedStart(r.t, slide, 0) + assigner.size;
            if (r.t < wm && lastEnd + lateness <= wm) expectedLate.push(r);
            else kept.push(r);
            maxSeen = Math.max(maxSeen, r.t);
          }
        }
        assert.deepEqual(
          late.map((r) => r.id).sort((a, b) => a - b),
          expectedLate.map((r) => r.id).sort((a, b) => a - b),
        );
        // The latest emitted value per key and window equals the batch computation over the kept records,
        // for every window that was still open when each of its records arrived.
        const latest = new Map<string, Row>();
        for (const r of rows) latest.set(rowId(r), r);
        const expected = batchWindows(kept, assigner);
        for (const [id, row] of latest) {
          const want = expected.get(id);
          assert.ok(want !== undefined, `unexpected window ${id}`);
          // A window may miss late records that arrived after it was purged; it never counts more.
          assert.ok(row.n <= want.n, `window ${id} counted ${row.n} > ${want.n}`);
        }
        const counted = new Set<number>();
        for (const r of kept) counted.add(r.id);
        assert.equal(counted.size + expectedLate.length, records.length, "every record is counted or late");
      },
    ),
    { numRuns: 150 },
  );
});

test("session windows under heavy disorder: every record is in exactly one final session or in the late output", async () => {
  await fc.assert(
    fc.asyncProperty(
      recordSets,
      fc.integer({ min: 1, max: 30 }).map((g) => session(g * 100)),
      fc.integer({ min: 0, max: 500 }),
      fc.integer({ min: 0, max: 3000 }),
      fc.integer({ min: 1, max: 20 }),
      async (records, assigner, ooo, lateness, batchSize) => {
        const arrival = [...records].sort(
          (a, b) => ((a.id * 7919) % 101) - ((b.id * 7919) % 101) || a.id - b.id,
        );
        const { rows, late } = await runWindows(arrival, assigner, {
          ooo,
          batchSize,
          partitions: 1,
          lateness,
          ids: true,
        });
        // Final sessions: rows no later row of their key holds all the records of (an update of the same
        // session, or a merge into a larger one, does). A session purged past its lateness stays final even
        // when a later session, made of records that came after the purge, spans it.
        const held = rows as Array<Row & { ids: number[] }>;
        const finals = held.filter(
          (r, i) => !held.some((o, j) => j > i && o.key === r.key && r.ids.every((id) => o.ids.includes(id))),
        );
        const placed = [...finals.flatMap((r) => r.ids), ...late.map((r) => r.id)].sort((a, b) => a - b);
        assert.deepEqual(
          placed,
          records.map((r) => r.id),
          "every record is in exactly one final session or late",
        );
      },
    ),
    { numRuns: 150 },
  );
});
