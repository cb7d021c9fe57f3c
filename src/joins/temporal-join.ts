/**
 * Temporal join (Flink's event-time temporal table join, `FOR SYSTEM_TIME AS OF`): input 1 is a changelog
 * that builds a keyed, versioned table — each record upserts its key's row at its event time, or deletes it
 * when `isDelete` says so — and each record of input 0, the probe stream, is joined with its key's row as
 * of the probe's event time t: the latest version with time ≤ t, none if that version is a delete or there
 * is none. So that the answer does not depend on arrival order, probes wait until the watermark passes
 * their time (W > t), when no version at or before t can still arrive; then they are emitted in event-time
 * order at their own time. Versions older than the newest one at or before W are dropped: no probe can ask
 * for them any more. Late records on either input (time < W at arrival) go to the dead-letter ledger.
 */
import { type Batch, batchOf } from "../core/batch.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";
import { TimerHeap } from "../runtime/timer-heap.js";
import { DeadlineQueue } from "./deadline-queue.js";
import { decodeWatermark, encodeWatermark, invalidSnapshot, isObject, requireKeys } from "./join-inputs.js";
import { TimeSortedBuffer } from "./time-sorted-buffer.js";

/** Options of `TemporalJoinOperator`, e.g. `{ join: (order, rate) => ({ ...order, rate: rate?.value }) }`. */
export interface TemporalJoinOptions<P, C, O> {
  /** Builds the result for a probe and its key's row as of the probe's time (undefined when there is none). */
  readonly join: (probe: P, row: C | undefined) => O;
  /** Says which changelog records delete their key's row (default: none, every record is an upsert). */
  readonly isDelete?: (change: C) => boolean;
  /** Inner join: drop probes that have no row instead of joining them with undefined (default false). */
  readonly inner?: boolean;
}

/** Marks a delete among a key's versions. */
const DELETED: unique symbol = Symbol("deleted");

/** Probes with one event time, in arrival order. */
interface ProbeBucket {
  readonly time: number;
  readonly items: unknown[];
  readonly keys: unknown[];
}

/** One key's versions, oldest first (rows, or DELETED). */
class KeyVersions {
  readonly versions = new TimeSortedBuffer<unknown>();
  /** The watermark at which old versions become droppable; the one live entry in the prune queue. */
  nextPrune = Number.POSITIVE_INFINITY;
  constructor(readonly key: unknown) {}
}

/** Snapshot parts: `[time, probes, keys]` per bucket; `[key, times, rows, deleted]` per key. */
type SavedBucket = [number, unknown[], unknown[]];
type SavedKey = [unknown, number[], unknown[], boolean[]];

/**
 * Joins each probe (input 0) with the row its key had at the probe's event time in the table that the
 * changelog (input 1) builds, e.g. currency conversion at the rate valid when the order was placed:
 * `new TemporalJoinOperator({ join: (order, rate) => order.amount * (rate?.rate ?? NaN), isDelete: (r) => r.op === "d" })`.
 */
export class TemporalJoinOperator<P, C, O> implements Operator<unknown, O> {
  private readonly join: (probe: P, row: C | undefined) => O;
  private readonly isDelete: ((change: C) => boolean) | undefined;
  private readonly inner: boolean;
  private context: OperatorContext | undefined;
  /** Highest watermark seen (restored from a snapshot too), so lateness holds across a restore. */
  private watermark = Number.NEGATIVE_INFINITY;
  /** Waiting probes by event time; `pendingOrder` releases the buckets in time order. */
  private readonly pending = new Map<number, ProbeBucket>();
  private readonly pendingOrder = new TimerHeap<ProbeBucket>();
  private pendingCount = 0;
  private lastBucket: ProbeBucket | undefined;
  private readonly table = new Map<unknown, KeyVersions>();
  /** Keys by the watermark at which they can drop versions; stale entries are skipped when popped. */
  private readonly prunes = new DeadlineQueue<KeyVersions>();
  private versionCount = 0;

  constructor(options: TemporalJoinOptions<P, C, O>) {
    if (typeof options.join !== "function") throw new TypeError("TemporalJoinOperator needs a join function");
    if (options.isDelete !== undefined && typeof options.isDelete !== "function") {
      throw new TypeError("TemporalJoinOperator: isDelete must be a function");
    }
    this.join = options.join;
    this.isDelete = options.isDelete;
    this.inner = options.inner === true;
  }

  open(context: OperatorContext): void {
    this.context = context;
  }

  processBatch(batch: Batch<unknown>, _out: Collector<O>, input: number): void {
    const keys = requireKeys(batch, this.context, input);
    const context = this.context!;
    const stepWatermark = context.watermark();
    const watermark = Math.max(stepWatermark, this.watermark);
    const { items, times } = batch;
    const n = items.length;
    if (input === 0) {
      for (let i = 0; i < n; i++) {
        const time = times[i]!;
        if (time < watermark) {
          context.deadLetter("late", items[i], time);
          continue;
        }
        let bucket = this.lastBucket;
        if (bucket === undefined || bucket.time !== time) {
          bucket = this.pending.get(time);
          if (bucket === undefined) {
            bucket = { time, items: [], keys: [] };
            this.pending.set(time, bucket);
            this.pendingOrder.push(time, bucket);
          }
          this.lastBucket = bucket;
        }
        bucket.items.push(items[i]);
        bucket.keys.push(keys[i]);
        this.pendingCount++;
      }
      return;
    }
    const isDelete = this.isDelete;
    for (let i = 0; i < n; i++) {
      const time = times[i]!;
      const change = items[i];
      if (time < watermark) {
        context.deadLetter("late", change, time);
        continue;
      }
      const key = keys[i];
      let kv = this.table.get(key);
      if (kv === undefined) {
        kv = new KeyVersions(key);
        this.table.set(key, kv);
      }
      kv.versions.insert(time, isDelete?.(change as C) ? DELETED : change);
      this.versionCount++;
      const next = nextPruneOf(kv);
      if (next < kv.nextPrune) this.schedulePrune(kv, next);
    }
  }

  onWatermark(time: number, out: Collector<O>): void {
    if (time > this.watermark) this.watermark = time;
    this.releaseProbes(time, out);
    if (time === Number.POSITIVE_INFINITY) {
      // End of input: no probe is left to ask the table.
      this.table.clear();
      this.prunes.clear();
      this.versionCount = 0;
      return;
    }
    const prunes = this.prunes;
    while (prunes.peekTime() <= time) {
      const due = prunes.peekTime();
      const bucket = prunes.popEarliest();
      for (let i = 0; i < bucket.length; i++) {
        const kv = bucket[i]!;
        if (kv.nextPrune !== due) continue; // superseded by an earlier time, or the key is gone
        kv.nextPrune = Number.POSITIVE_INFINITY;
        this.prune(kv, time);
      }
    }
  }

  snapshot(): unknown {
    const buckets: SavedBucket[] = [];
    for (const bucket of this.pending.values())
      buckets.push([bucket.time, bucket.items.slice(), bucket.keys.slice()]);
    buckets.sort((a, b) => a[0] - b[0]);
    const table: SavedKey[] = [];
    for (const kv of this.table.values()) {
      const values = kv.versions.liveItems();
      const deleted = values.map((v) => v === DELETED);
      table.push([kv.key, kv.versions.liveTimes(), values.map((v) => (v === DELETED ? null : v)), deleted]);
    }
    return { watermark: encodeWatermark(this.watermark), probes: buckets, table };
  }

  restore(saved: unknown): void {
    if (!isObject(saved) || !Array.isArray(saved.probes) || !Array.isArray(saved.table)) {
      invalidSnapshot("TemporalJoinOperator", "expected { watermark, probes, table }");
    }
    this.pending.clear();
    this.pendingOrder.clear();
    this.pendingCount = 0;
    this.lastBucket = undefined;
    this.table.clear();
    this.prunes.clear();
    this.versionCount = 0;
    this.watermark = decodeWatermark(saved.watermark);
    for (const entry of saved.probes as SavedBucket[]) {
      if (!Array.isArray(entry) || entry.length !== 3)
        invalidSnapshot("TemporalJoinOperator", "a probe entry is not [time, probes, keys]");
      const [time, items, keys] = entry;
      const bucket: ProbeBucket = { time, items: items.slice(), keys: keys.slice() };
      this.pending.set(time, bucket);
      this.pendingOrder.push(time, bucket);
      this.pendingCount += items.length;
    }
    for (const entry of saved.table as SavedKey[]) {
      if (!Array.isArray(entry) || entry.length !== 4)
        invalidSnapshot("TemporalJoinOperator", "a table entry is not [key, times, rows, deleted]");
      const [key, times, rows, deleted] = entry;
      if (times.length === 0) continue;
      const kv = new KeyVersions(key);
      for (let i = 0; i < times.length; i++) kv.versions.insert(times[i]!, deleted[i] ? DELETED : rows[i]);
      this.versionCount += times.length;
      this.table.set(key, kv);
      const next = nextPruneOf(kv);
      if (next !== Number.POSITIVE_INFINITY) this.schedulePrune(kv, next);
    }
  }

  /** Waiting probes plus stored versions; for tests and metrics. */
  stateSize(): number {
    return this.pendingCount + this.versionCount;
  }

  /** Emits, in event-time order, every waiting probe with time < `watermark`. */
  private releaseProbes(watermark: number, out: Collector<O>): void {
    const order = this.pendingOrder;
    if (order.peekTime() >= watermark) return;
    const items: O[] = [];
    const times: number[] = [];
    const keys: unknown[] = [];
    const { join, inner, table } = this;
    while (order.peekTime() < watermark) {
      const bucket = order.pop()!;
      this.pending.delete(bucket.time);
      this.pendingCount -= bucket.items.length;
      const time = bucket.time;
      const probes = bucket.items;
      const probeKeys = bucket.keys;
      for (let i = 0; i < probes.length; i++) {
        const key = probeKeys[i];
        const row = rowAsOf(table.get(key), time);
        if (row === undefined && inner) continue;
        items.push(join(probes[i] as P, row as C | undefined));
        times.push(time);
        keys.push(key);
      }
    }
    this.lastBucket = undefined;
    if (items.length > 0) out.emit(batchOf(items, times, keys));
  }

  /** Drops the versions of `kv` that no probe at or after `watermark` can see. */
  private prune(kv: KeyVersions, watermark: number): void {
    const versions = kv.versions;
    // Keep the newest version at or before the watermark: it is the row every later probe sees first.
    const current = versions.upperBound(watermark) - 1;
    if (current > versions.head) this.versionCount -= versions.dropTo(current);
    // A delete with nothing older is the same as no row.
    if (
      versions.size > 0 &&
      versions.items[versions.head] === DELETED &&
      versions.times[versions.head]! <= watermark
    ) {
      this.versionCount -= versions.dropTo(versions.head + 1);
    }
    if (versions.size === 0) {
      this.table.delete(kv.key);
      return;
    }
    const next = nextPruneOf(kv);
    if (next !== Number.POSITIVE_INFINITY) this.schedulePrune(kv, next);
  }

  private schedulePrune(kv: KeyVersions, at: number): void {
    kv.nextPrune = at;
    this.prunes.add(at, kv);
  }
}

/** The row of a key as of `time`: its latest version at or before `time`, undefined if that is a delete or none. */
function rowAsOf(kv: KeyVersions | undefined, time: number): unknown {
  if (kv === undefined) return undefined;
  const versions = kv.versions;
  const at = versions.upperBound(time) - 1;
  if (at < versions.head) return undefined;
  const row = versions.items[at];
  return row === DELETED ? undefined : row;
}

/** The watermark at which `kv` has a version to drop: its second version's time, or its first if that is a delete. */
function nextPruneOf(kv: KeyVersions): number {
  const { versions } = kv;
  const head = versions.head;
  if (versions.size === 0) return Number.POSITIVE_INFINITY;
  if (versions.items[head] === DELETED) return versions.times[head]!;
  return versions.size > 1 ? versions.times[head + 1]! : Number.POSITIVE_INFINITY;
}
