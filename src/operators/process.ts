/**
 * process: a keyed step that runs user code per record with per-key state (value, map, list) and event-time
 * and processing-time timers. Event-time timers fire once the watermark passes their time (W > t: every record
 * with time ≤ t is in), in time order, before the watermark moves on downstream; processing-time timers fire when the injected clock does.
 */
import type { Batch } from "../core/batch.js";
import { KeyedTimerQueue } from "../runtime/keyed-timer-queue.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";
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
  readonly timers: TimerService;

  constructor(private readonly fn: KeyedProcessFunction<T, K, R>) {
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
    for (let i = 0; i < items.length; i++) {
      this.currentKey = keys === undefined ? undefined : keys[i];
      this.currentTime = times[i]!;
      try {
        fn.onRecord(items[i]!, this);
      } catch (error) {
        this.context.deadLetter("failed", items[i], times[i]!, error);
      }
    }
    this.flush(out);
  }

  onWatermark(watermark: number, out: Collector<R>): void {
    this.fireDue(this.eventTimers, "event", watermark);
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
    return { event: this.eventTimers.entries(), processing: this.processingTimers.entries() };
  }

  restore(saved: unknown): void {
    const s = saved as { event: Array<[unknown, number]>; processing: Array<[unknown, number]> };
    this.eventTimers.clear();
    this.processingTimers.clear();
    for (const [key, time] of s.event) this.eventTimers.add(key, time);
    for (const [key, time] of s.processing) this.processingTimers.add(key, time);
    const next = this.processingTimers.peekTime();
    if (next !== Number.POSITIVE_INFINITY) this.requestProcessingTimeAt(next);
  }

  /** Number of live timers, for tests of clean-up. */
  timerCount(): number {
    return this.eventTimers.size + this.processingTimers.size;
  }

  // ---- internals ----
  private handle<H>(cache: Map<string, unknown>, name: string, kind: string, make: (table: unknown) => H): H {
    const h = make(this.context.state.table(this.context.stepId, `${kind}:${name}`));
    cache.set(name, h);
    return h;
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
    const onTimer = this.fn.onTimer;
    // An event-time timer at t fires once every record with time ≤ t is in (W > t); a processing-time one at now ≥ t.
    for (;;) {
      const due = timers.popDue(upTo, domain === "processing");
      if (due === undefined) return;
      if (onTimer === undefined) continue;
      const time = due.time;
      for (const key of due.keys) {
        this.currentKey = key;
        this.currentTime = time;
        try {
          onTimer.call(this.fn, time, domain, this);
        } catch (error) {
          this.context.deadLetter("failed", { timer: time, key }, time, error);
        }
      }
    }
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
