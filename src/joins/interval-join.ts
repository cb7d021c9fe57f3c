/**
 * Interval join (Flink's `intervalJoin(...).between(lower, upper)`): a left record l and a right record r
 * with the same key join when r.time ∈ [l.time + lower, l.time + upper], both bounds inclusive. A pair is
 * emitted as soon as its second record arrives, at event time max(l.time, r.time), which is never below the
 * watermark. Each key keeps its left and right records sorted by time; the watermark cleans them: a left
 * record can go once W > l.time + upper, a right one once W > r.time - lower, because no record that can
 * still arrive could match it. An eviction queue ordered by those deadlines means a watermark only touches
 * the keys that have something to drop. Late records (time < W at arrival) go to the dead-letter ledger, and
 * so does a pair on which the join function throws, as `failed`.
 */
import { type Batch, batchOf } from "../core/batch.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";
import { DeadlineQueue } from "./deadline-queue.js";
import { decodeWatermark, encodeWatermark, invalidSnapshot, isObject, requireKeys } from "./join-inputs.js";
import { TimeSortedBuffer } from "./time-sorted-buffer.js";

/** Options of `IntervalJoinOperator`, e.g. `{ lower: -5_000, upper: 0, join: (ad, click) => ({ ad, click }) }`. */
export interface IntervalJoinOptions<L, R, O> {
  /** Smallest allowed r.time - l.time, in ms (may be negative). */
  readonly lower: number;
  /** Largest allowed r.time - l.time, in ms (may be negative); must be ≥ lower. */
  readonly upper: number;
  /** Builds the result for one matching pair. */
  readonly join: (left: L, right: R) => O;
}

/** Both sides' buffered records of one key; a side's buffer is created when it gets its first record. */
class KeyBuffers {
  lefts: TimeSortedBuffer<unknown> | undefined = undefined;
  rights: TimeSortedBuffer<unknown> | undefined = undefined;
  /** The watermark past which something here can be dropped; the one live entry in the eviction queue. */
  nextEviction = Number.POSITIVE_INFINITY;
  constructor(readonly key: unknown) {}
}

/** The snapshot: per key `[key, leftTimes, lefts, rightTimes, rights]`. */
type SavedKey = [unknown, number[], unknown[], number[], unknown[]];

/**
 * Joins input 0 (left) and input 1 (right) on their keys within a time interval, e.g.
 * `new IntervalJoinOperator({ lower: 0, upper: 60_000, join: (order, shipment) => ({ order, shipment }) })`
 * pairs each order with the shipments of the same key in the minute after it.
 */
export class IntervalJoinOperator<L, R, O> implements Operator<unknown, O> {
  private readonly lower: number;
  private readonly upper: number;
  private readonly join: (left: L, right: R) => O;
  private context: OperatorContext | undefined;
  /** Highest watermark seen (restored from a snapshot too), so lateness holds across a restore. */
  private watermark = Number.NEGATIVE_INFINITY;
  private readonly buffers = new Map<unknown, KeyBuffers>();
  /** Keys by the watermark that lets them drop records; stale entries are skipped when popped. */
  private readonly evictions = new DeadlineQueue<KeyBuffers>();
  private buffered = 0;

  constructor(options: IntervalJoinOptions<L, R, O>) {
    const { lower, upper, join } = options;
    if (!Number.isFinite(lower) || !Number.isFinite(upper) || lower > upper) {
      throw new RangeError(
        `IntervalJoinOperator needs finite bounds with lower ≤ upper, got [${lower}, ${upper}]`,
      );
    }
    if (typeof join !== "function") throw new TypeError("IntervalJoinOperator needs a join function");
    this.lower = lower;
    this.upper = upper;
    this.join = join;
  }

  open(context: OperatorContext): void {
    this.context = context;
  }

  processBatch(batch: Batch<unknown>, out: Collector<O>, input: number): void {
    const keys = requireKeys(batch, this.context, input);
    const context = this.context!;
    const stepWatermark = context.watermark();
    const watermark = Math.max(stepWatermark, this.watermark);
    const { items, times } = batch;
    const n = items.length;
    const results: Results<O> = { items: [], times: [], keys: [] };
    const { lower, upper, buffers } = this;
    const left = input === 0;
    for (let i = 0; i < n; i++) {
      const time = times[i]!;
      const item = items[i];
      if (time < watermark) {
        context.deadLetter("late", item, time);
        continue;
      }
      const key = keys[i];
      let kb = buffers.get(key);
      // The other side's records that match: r.time ∈ [l.time + lower, l.time + upper].
      const other = kb === undefined ? undefined : left ? kb.rights : kb.lefts;
      if (other !== undefined) {
        if (left) this.match(item, time, key, other, time + lower, time + upper, true, results);
        else this.match(item, time, key, other, time - upper, time - lower, false, results);
      }
      // Keep the record only if a record still to come (time ≥ watermark) could match it.
      const deadline = left ? time + upper : time - lower;
      if (deadline < watermark) continue;
      if (kb === undefined) {
        kb = new KeyBuffers(key);
        buffers.set(key, kb);
      }
      let own = left ? kb.lefts : kb.rights;
      if (own === undefined) {
        own = new TimeSortedBuffer();
        if (left) kb.lefts = own;
        else kb.rights = own;
      }
      own.insert(time, item);
      this.buffered++;
      if (deadline < kb.nextEviction) this.schedule(kb, deadline);
    }
    if (results.items.length > 0) out.emit(batchOf(results.items, results.times, results.keys));
  }

  onWatermark(time: number, _out: Collector<O>): void {
    if (time > this.watermark) this.watermark = time;
    if (time === Number.POSITIVE_INFINITY) {
      // End of input: nothing can match any more.
      this.buffers.clear();
      this.evictions.clear();
      this.buffered = 0;
      return;
    }
    const evictions = this.evictions;
    const leftBound = time - this.upper;
    const rightBound = time + this.lower;
    while (evictions.peekTime() < time) {
      const due = evictions.peekTime();
      const bucket = evictions.popEarliest();
      for (let i = 0; i < bucket.length; i++) {
        const kb = bucket[i]!;
        if (kb.nextEviction !== due) continue; // superseded by an earlier deadline, or the key is gone
        kb.nextEviction = Number.POSITIVE_INFINITY;
        const { lefts, rights } = kb;
        if (lefts !== undefined) {
          this.buffered -= lefts.dropTo(lefts.lowerBound(leftBound));
          if (lefts.size === 0) kb.lefts = undefined;
        }
        if (rights !== undefined) {
          this.buffered -= rights.dropTo(rights.lowerBound(rightBound));
          if (rights.size === 0) kb.rights = undefined;
        }
        const deadline = this.deadlineOf(kb);
        if (deadline === Number.POSITIVE_INFINITY) this.buffers.delete(kb.key);
        else this.schedule(kb, deadline);
      }
    }
  }

  snapshot(): unknown {
    const keys: SavedKey[] = [];
    for (const { key, lefts, rights } of this.buffers.values()) {
      keys.push([
        key,
        lefts?.liveTimes() ?? [],
        lefts?.liveItems() ?? [],
        rights?.liveTimes() ?? [],
        rights?.liveItems() ?? [],
      ]);
    }
    return { watermark: encodeWatermark(this.watermark), keys };
  }

  restore(saved: unknown): void {
    if (!isObject(saved) || !Array.isArray(saved.keys))
      invalidSnapshot("IntervalJoinOperator", "expected { watermark, keys }");
    this.buffers.clear();
    this.evictions.clear();
    this.buffered = 0;
    this.watermark = decodeWatermark(saved.watermark);
    for (const entry of saved.keys as SavedKey[]) {
      if (!Array.isArray(entry) || entry.length !== 5)
        invalidSnapshot("IntervalJoinOperator", "a key entry is not a 5-tuple");
      const [key, leftTimes, lefts, rightTimes, rights] = entry;
      const kb = new KeyBuffers(key);
      kb.lefts = restoreSide(leftTimes, lefts);
      kb.rights = restoreSide(rightTimes, rights);
      const deadline = this.deadlineOf(kb);
      if (deadline === Number.POSITIVE_INFINITY) continue;
      this.buffered += (kb.lefts?.size ?? 0) + (kb.rights?.size ?? 0);
      this.buffers.set(key, kb);
      this.schedule(kb, deadline);
    }
  }

  /** Buffered records, both sides; for tests and metrics. */
  stateSize(): number {
    return this.buffered;
  }

  /** The watermark past which the oldest record of `kb` can be dropped (+Infinity when it holds none). */
  private deadlineOf(kb: KeyBuffers): number {
    const { lefts, rights } = kb;
    const l =
      lefts !== undefined && lefts.size > 0
        ? lefts.times[lefts.head]! + this.upper
        : Number.POSITIVE_INFINITY;
    const r =
      rights !== undefined && rights.size > 0
        ? rights.times[rights.head]! - this.lower
        : Number.POSITIVE_INFINITY;
    return Math.min(l, r);
  }

  private schedule(kb: KeyBuffers, deadline: number): void {
    kb.nextEviction = deadline;
    this.evictions.add(deadline, kb);
  }

  /** Joins `item` (arrived at `time`) with the records of `other` whose time is in [from, to]. */
  private match(
    item: unknown,
    time: number,
    key: unknown,
    other: TimeSortedBuffer<unknown>,
    from: number,
    to: number,
    itemIsLeft: boolean,
    results: Results<O>,
  ): void {
    const otherTimes = other.times;
    const otherItems = other.items;
    const end = otherTimes.length;
    const join = this.join;
    for (let j = other.lowerBound(from); j < end; j++) {
      const t = otherTimes[j]!;
      if (t > to) break;
      const left = itemIsLeft ? item : otherItems[j];
      const right = itemIsLeft ? otherItems[j] : item;
      const at = Math.max(t, time);
      let joined: O;
      try {
        joined = join(left as L, right as R);
      } catch (error) {
        this.context!.deadLetter("failed", { left, right }, at, error);
        continue;
      }
      results.items.push(joined);
      results.times.push(at);
      results.keys.push(key);
    }
  }
}

/** Output columns being filled for one batch. */
interface Results<O> {
  readonly items: O[];
  readonly times: number[];
  readonly keys: unknown[];
}

/** A side's buffer from its snapshot columns, or undefined when it is empty. */
function restoreSide(times: number[], items: unknown[]): TimeSortedBuffer<unknown> | undefined {
  if (!Array.isArray(times) || !Array.isArray(items) || times.length !== items.length) {
    invalidSnapshot("IntervalJoinOperator", "a side's times and records differ in length");
  }
  if (times.length === 0) return undefined;
  const buffer = new TimeSortedBuffer<unknown>();
  for (let i = 0; i < times.length; i++) buffer.insert(times[i]!, items[i]);
  return buffer;
}
