/**
 * process: a keyed step that runs user code per record with per-key state (value, map, list) and event-time
 * and processing-time timers. Event-time timers fire once the watermark passes their time (W > t: every record
 * with time ≤ t is in), in time order, before the watermark moves on downstream; processing-time timers fire when the injected clock does.
 *
 * With a state TTL, all of a key's state (every value, map and list state the step opened) is deleted once the
 * watermark passes the key's last record time + TTL. Each key has at most one internal expiry timer, kept apart
 * from user timers and re-armed lazily: a record only updates the key's last-seen time, and when the timer
 * fires for a key seen since, it is set again at the new deadline instead of deleting. User timers still fire.
 */
import type { Batch } from "../core/batch.js";
import { KeyedTimerQueue } from "../runtime/keyed-timer-queue.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";
import type { StateTable } from "../state/state-backend.js";
import {
  type CurrentKey,
  type ListState,
  ListStateHandle,
  type MapState,
  MapStateHandle,
  type ValueState,
  ValueStateHandle,
} from "./keyed-state.js";

export type TimeDomain = "event" | "processing";

export interface TimerService {
  /** Calls `onTimer` once every record with event time ≤ `time` has arrived, i.e. the watermark passes it. */
  eventTime(time: number): void;
  /** Calls `onTimer` once processing time reaches `time` (one timer per key and time). */
  processingTime(time: number): void;
  deleteEventTime(time: number): void;
  deleteProcessingTime(time: number): void;
}

export interface ProcessContext<K, R> {
  /** Key of the record or timer being handled. */
  readonly key: K;
  /** Event time of the record, or the timer's time. */
  readonly time: number;
  /** The step's current watermark. */
  readonly watermark: number;
  /** The injected clock's time. */
  readonly processingTime: number;
  /** Sends a record downstream, at `time` (default: the current record's or timer's time). */
  emit(record: R, time?: number): void;
  value<V>(name: string): ValueState<V>;
  map<MK, V>(name: string): MapState<MK, V>;
  list<V>(name: string): ListState<V>;
  readonly timers: TimerService;
}

/** User code for a `process` step, e.g. `{ onRecord(r, ctx) { const n = ctx.value<number>("n"); n.set((n.get() ?? 0) + 1); } }` */
export interface KeyedProcessFunction<T, K, R> {
  onRecord(record: T, ctx: ProcessContext<K, R>): void;
  onTimer?(time: number, domain: TimeDomain, ctx: ProcessContext<K, R>): void;
}

export interface ProcessOperatorOptions {
  /**
   * Delete all of a key's state once no record for it arrived for this many ms of event time (the watermark
   * passed its last record time + TTL). Undefined (the default): state is kept until user code clears it.
   */
  readonly stateTtlMs?: number;
}

/** A state-TTL snapshot: each tracked key's last-seen time, and the state tables the step opened. */
interface TtlSnapshot {
  lastSeen: Array<[unknown, number]>;
  tables: string[];
}

export class ProcessOperator<T, K, R> implements Operator<T, R>, CurrentKey, ProcessContext<K, R> {
  private context!: OperatorContext;
  currentKey: unknown = undefined;
  private currentTime = 0;
  private readonly eventTimers = new KeyedTimerQueue();
  private readonly processingTimers = new KeyedTimerQueue();
  private readonly valueHandles = new Map<string, unknown>();
  private readonly mapHandles = new Map<string, unknown>();
  private readonly listHandles = new Map<string, unknown>();
  private outItems: R[] = [];
  private outTimes: number[] = [];
  private outKeys: unknown[] = [];
  private requestedProcessingTime = Number.POSITIVE_INFINITY;
  /** State TTL in ms, or undefined when state never expires (then the fields below stay undefined). */
  private readonly ttl: number | undefined;
  /** Per tracked key: the latest time it was seen (record time, or the watermark if that was later). */
  private readonly lastSeen: Map<unknown, number> | undefined;
  /** One internal expiry timer per tracked key, at or before its deadline `lastSeen + ttl`. */
  private readonly expiryTimers: KeyedTimerQueue | undefined;
  /** With a TTL: every state table the step opened, and their names (`kind:name`). */
  private readonly stateTables: StateTable<unknown>[] = [];
  private readonly stateTableNames: string[] = [];
  /** Names of tables a restored snapshot says the step had opened, not reopened yet. */
  private unopenedTables: string[] = [];
  readonly timers: TimerService;

  constructor(
    private readonly fn: KeyedProcessFunction<T, K, R>,
    options: ProcessOperatorOptions = {},
  ) {
    const ttl = options.stateTtlMs;
    if (ttl !== undefined) {
      if (!(Number.isFinite(ttl) && ttl >= 0)) {
        throw new RangeError(`process stateTtl must be a non-negative number of milliseconds, got ${ttl}`);
      }
      this.ttl = ttl;
      this.lastSeen = new Map();
      this.expiryTimers = new KeyedTimerQueue();
    }
    this.timers = {
      eventTime: (time) => this.addTimer("event", time),
      processingTime: (time) => this.addTimer("processing", time),
      deleteEventTime: (time) => this.eventTimers.delete(this.currentKey, time),
      deleteProcessingTime: (time) => this.processingTimers.delete(this.currentKey, time),
    };
  }

  open(context: OperatorContext): void {
    this.context = context;
  }

  // ---- ProcessContext, reused for every call so no per-record object is made ----
  get key(): K {
    return this.currentKey as K;
  }
  get time(): number {
    return this.currentTime;
  }
  get watermark(): number {
    return this.context.watermark();
  }
  get processingTime(): number {
    return this.context.clock.now();
  }
  emit(record: R, time?: number): void {
    this.outItems.push(record);
    this.outTimes.push(time ?? this.currentTime);
    this.outKeys.push(this.currentKey);
  }
  value<V>(name: string): ValueState<V> {
    const h = this.valueHandles.get(name);
    if (h !== undefined) return h as ValueState<V>;
    return this.handle(this.valueHandles, name, "value", (t) => new ValueStateHandle<V>(t as never, this));
  }
  map<MK, V>(name: string): MapState<MK, V> {
    const h = this.mapHandles.get(name);
    if (h !== undefined) return h as MapState<MK, V>;
    return this.handle(this.mapHandles, name, "map", (t) => new MapStateHandle<MK, V>(t as never, this));
  }
  list<V>(name: string): ListState<V> {
    const h = this.listHandles.get(name);
    if (h !== undefined) return h as ListState<V>;
    return this.handle(this.listHandles, name, "list", (t) => new ListStateHandle<V>(t as never, this));
  }

  // ---- Operator ----
  processBatch(batch: Batch<T>, out: Collector<R>): void {
    const { items, times, keys } = batch;
    const fn = this.fn;
    const ttl = this.lastSeen !== undefined;
    const watermark = ttl ? this.context.watermark() : 0;
    for (let i = 0; i < items.length; i++) {
      this.currentKey = keys === undefined ? undefined : keys[i];
      this.currentTime = times[i]!;
      if (ttl) this.touch(this.currentKey, this.currentTime, watermark);
      try {
        fn.onRecord(items[i]!, this);
      } catch (error) {
        this.context.deadLetter("failed", items[i], times[i]!, error);
      }
    }
    this.flush(out);
  }

  onWatermark(watermark: number, out: Collector<R>): void {
    if (this.expiryTimers === undefined) this.fireDue(this.eventTimers, "event", watermark);
    else this.fireDueWithExpiry(this.expiryTimers, watermark);
    this.flush(out);
  }

  onProcessingTime(now: number, out: Collector<R>): void {
    this.requestedProcessingTime = Number.POSITIVE_INFINITY;
    this.fireDue(this.processingTimers, "processing", now);
    this.flush(out);
    const next = this.processingTimers.peekTime();
    if (next !== Number.POSITIVE_INFINITY) this.requestProcessingTimeAt(next);
  }

  snapshot(): unknown {
    const saved: { event: unknown; processing: unknown; ttl?: TtlSnapshot } = {
      event: this.eventTimers.entries(),
      processing: this.processingTimers.entries(),
    };
    if (this.lastSeen !== undefined) {
      saved.ttl = { lastSeen: [...this.lastSeen], tables: [...this.stateTableNames, ...this.unopenedTables] };
    }
    return saved;
  }

  restore(saved: unknown): void {
    const s = saved as {
      event: Array<[unknown, number]>;
      processing: Array<[unknown, number]>;
      ttl?: TtlSnapshot;
    };
    this.eventTimers.clear();
    this.processingTimers.clear();
    for (const [key, time] of s.event) this.eventTimers.add(key, time);
    for (const [key, time] of s.processing) this.processingTimers.add(key, time);
    if (this.lastSeen !== undefined && this.expiryTimers !== undefined) {
      this.lastSeen.clear();
      this.expiryTimers.clear();
      // A snapshot taken without a TTL has no bookkeeping: its keys are tracked from their next record.
      for (const [key, seen] of s.ttl?.lastSeen ?? []) {
        this.lastSeen.set(key, seen);
        this.expiryTimers.add(key, seen + this.ttl!);
      }
      this.unopenedTables = (s.ttl?.tables ?? []).filter((name) => !this.stateTableNames.includes(name));
    }
    const next = this.processingTimers.peekTime();
    if (next !== Number.POSITIVE_INFINITY) this.requestProcessingTimeAt(next);
  }

  /** Number of live timers, for tests of clean-up. */
  timerCount(): number {
    return this.eventTimers.size + this.processingTimers.size;
  }

  /** Number of keys whose state can still expire (0 without a state TTL), for tests of clean-up. */
  trackedKeyCount(): number {
    return this.lastSeen?.size ?? 0;
  }

  // ---- internals ----
  private handle<H>(cache: Map<string, unknown>, name: string, kind: string, make: (table: unknown) => H): H {
    const tableName = `${kind}:${name}`;
    const table = this.context.state.table<unknown>(this.context.stepId, tableName);
    if (this.ttl !== undefined) this.addStateTable(tableName, table);
    const h = make(table);
    cache.set(name, h);
    return h;
  }

  /**
   * Marks a key as seen before its record is handled: a Map update, plus an expiry timer for a key not tracked
   * yet. A record more than the TTL after the key's previous one finds its state already deleted, whether or
   * not the watermark got there first, so results do not depend on how records and watermarks interleave.
   */
  private touch(key: unknown, time: number, watermark: number): void {
    const lastSeen = this.lastSeen!;
    const ttl = this.ttl!;
    // A record behind the watermark counts as seen at the watermark, so its state is not deleted at once.
    const t = Math.max(time, watermark);
    const seen = lastSeen.get(key);
    if (seen === undefined) {
      lastSeen.set(key, t);
      this.expiryTimers!.add(key, t + ttl);
    } else if (t > seen) {
      // The pending expiry timer re-arms itself at the new deadline when it fires.
      if (t > seen + ttl) this.deleteState(key);
      lastSeen.set(key, t);
    }
  }

  /** Starts tracking a key that has none (its state expired, or predates the TTL) when a user timer fires for it. */
  private trackIfUntracked(key: unknown, time: number): void {
    const lastSeen = this.lastSeen!;
    if (lastSeen.has(key) || !Number.isFinite(time)) return;
    lastSeen.set(key, time);
    this.expiryTimers!.add(key, time + this.ttl!);
  }

  /**
   * Fires user event-time timers and expiry timers due before `watermark` in time order; at one time, user
   * timers first, so a user timer at a key's deadline still sees its state.
   */
  private fireDueWithExpiry(expiry: KeyedTimerQueue, watermark: number): void {
    for (;;) {
      const userNext = this.eventTimers.peekTime();
      const expiryNext = expiry.peekTime();
      if (userNext < watermark && userNext <= expiryNext)
        this.fireDueOnce(this.eventTimers, "event", watermark);
      else if (!this.expireDueOnce(expiry, watermark)) return;
    }
  }

  /** Deletes the state of the keys of the earliest due expiry time that were not seen since; re-arms the rest. */
  private expireDueOnce(expiry: KeyedTimerQueue, watermark: number): boolean {
    const due = expiry.popDue(watermark, false);
    if (due === undefined) return false;
    const lastSeen = this.lastSeen!;
    const ttl = this.ttl!;
    const tables = this.openStateTables();
    for (const key of due.keys) {
      const deadline = lastSeen.get(key)! + ttl;
      if (deadline > due.time) {
        expiry.add(key, deadline);
        continue;
      }
      lastSeen.delete(key);
      for (let i = 0; i < tables.length; i++) tables[i]!.delete(key);
    }
    return true;
  }

  private deleteState(key: unknown): void {
    const tables = this.openStateTables();
    for (let i = 0; i < tables.length; i++) tables[i]!.delete(key);
  }

  /** Every state table the step opened, opening those known only from a restored snapshot. */
  private openStateTables(): StateTable<unknown>[] {
    if (this.unopenedTables.length > 0) {
      const names = this.unopenedTables;
      this.unopenedTables = [];
      for (const name of names) this.addStateTable(name, this.context.state.table(this.context.stepId, name));
    }
    return this.stateTables;
  }

  private addStateTable(name: string, table: StateTable<unknown>): void {
    if (this.stateTableNames.includes(name)) return;
    this.stateTableNames.push(name);
    this.stateTables.push(table);
    const pending = this.unopenedTables.indexOf(name);
    if (pending >= 0) this.unopenedTables.splice(pending, 1);
  }

  private addTimer(domain: TimeDomain, time: number): void {
    if (domain === "event") this.eventTimers.add(this.currentKey, time);
    else {
      this.processingTimers.add(this.currentKey, time);
      this.requestProcessingTimeAt(time);
    }
  }

  private requestProcessingTimeAt(time: number): void {
    if (time >= this.requestedProcessingTime) return;
    this.requestedProcessingTime = time;
    this.context.requestProcessingTime(time);
  }

  private fireDue(timers: KeyedTimerQueue, domain: TimeDomain, upTo: number): void {
    for (;;) if (!this.fireDueOnce(timers, domain, upTo)) return;
  }

  /** Fires the timers of the earliest time if it is due; false when none is. */
  private fireDueOnce(timers: KeyedTimerQueue, domain: TimeDomain, upTo: number): boolean {
    // An event-time timer at t fires once every record with time ≤ t is in (W > t); a processing-time one at now ≥ t.
    const due = timers.popDue(upTo, domain === "processing");
    if (due === undefined) return false;
    const onTimer = this.fn.onTimer;
    if (onTimer === undefined) return true;
    const time = due.time;
    for (const key of due.keys) {
      this.currentKey = key;
      this.currentTime = time;
      try {
        onTimer.call(this.fn, time, domain, this);
      } catch (error) {
        this.context.deadLetter("failed", { timer: time, key }, time, error);
      }
      // State a timer writes for a key whose state already expired must expire again.
      if (this.lastSeen !== undefined) {
        this.trackIfUntracked(key, domain === "event" ? time : this.context.watermark());
      }
    }
    return true;
  }

  private flush(out: Collector<R>): void {
    if (this.outItems.length === 0) return;
    const batch = { items: this.outItems, times: this.outTimes, keys: this.outKeys, partition: -1 };
    this.outItems = [];
    this.outTimes = [];
    this.outKeys = [];
    out.emit(batch);
  }
}
