/**
 * process: a keyed step that runs user code per record with per-key state (value, map, list) and event-time
 * and processing-time timers. Event-time timers fire once the watermark passes their time (W > t: every record
 * with time ≤ t is in), in time order, before the watermark moves on downstream; processing-time timers fire when the injected clock does.
 */
import type { Batch } from "../core/batch.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";
import { TimerHeap } from "../runtime/timer-heap.js";
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

interface Timer {
  readonly key: unknown;
  readonly time: number;
  readonly id: string;
}

export class ProcessOperator<T, K, R> implements Operator<T, R>, CurrentKey, ProcessContext<K, R> {
  private context!: OperatorContext;
  currentKey: unknown = undefined;
  private currentTime = 0;
  private readonly eventTimers = new TimerHeap<Timer>();
  private readonly processingTimers = new TimerHeap<Timer>();
  /** Live timers by "domain|key|time"; a deleted timer leaves the heap lazily. */
  private readonly liveTimers = new Set<string>();
  private readonly handles = new Map<string, unknown>();
  private outItems: R[] = [];
  private outTimes: number[] = [];
  private outKeys: unknown[] = [];
  private requestedProcessingTime = Number.POSITIVE_INFINITY;
  readonly timers: TimerService;

  constructor(private readonly fn: KeyedProcessFunction<T, K, R>) {
    const self = this;
    this.timers = {
      eventTime: (time) => self.addTimer("event", time),
      processingTime: (time) => self.addTimer("processing", time),
      deleteEventTime: (time) => {
        self.liveTimers.delete(self.timerId("event", self.currentKey, time));
      },
      deleteProcessingTime: (time) => {
        self.liveTimers.delete(self.timerId("processing", self.currentKey, time));
      },
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
    return this.handle(`value:${name}`, (t) => new ValueStateHandle<V>(t as never, this));
  }
  map<MK, V>(name: string): MapState<MK, V> {
    return this.handle(`map:${name}`, (t) => new MapStateHandle<MK, V>(t as never, this));
  }
  list<V>(name: string): ListState<V> {
    return this.handle(`list:${name}`, (t) => new ListStateHandle<V>(t as never, this));
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
    const live = (heap: TimerHeap<Timer>, domain: TimeDomain) =>
      heap
        .entries()
        .filter(([, t]) => this.liveTimers.has(this.timerId(domain, t.key, t.time)))
        .map(([, t]) => [t.key, t.time]);
    return { event: live(this.eventTimers, "event"), processing: live(this.processingTimers, "processing") };
  }

  restore(saved: unknown): void {
    const s = saved as { event: Array<[unknown, number]>; processing: Array<[unknown, number]> };
    this.eventTimers.clear();
    this.processingTimers.clear();
    this.liveTimers.clear();
    for (const [key, time] of s.event) this.pushTimer("event", key, time);
    for (const [key, time] of s.processing) this.pushTimer("processing", key, time);
  }

  /** Number of live timers, for tests of clean-up. */
  timerCount(): number {
    return this.liveTimers.size;
  }

  // ---- internals ----
  private handle<H>(id: string, make: (table: unknown) => H): H {
    let h = this.handles.get(id) as H | undefined;
    if (h === undefined) {
      h = make(this.context.state.table(this.context.stepId, id));
      this.handles.set(id, h);
    }
    return h;
  }

  private timerId(domain: TimeDomain, key: unknown, time: number): string {
    return `${domain}|${typeof key}:${String(key)}|${time}`;
  }

  private addTimer(domain: TimeDomain, time: number): void {
    const id = this.timerId(domain, this.currentKey, time);
    if (this.liveTimers.has(id)) return;
    this.pushTimer(domain, this.currentKey, time);
    if (domain === "processing") this.requestProcessingTimeAt(time);
  }

  private pushTimer(domain: TimeDomain, key: unknown, time: number): void {
    const id = this.timerId(domain, key, time);
    this.liveTimers.add(id);
    (domain === "event" ? this.eventTimers : this.processingTimers).push(time, { key, time, id });
  }

  private requestProcessingTimeAt(time: number): void {
    if (time >= this.requestedProcessingTime) return;
    this.requestedProcessingTime = time;
    this.context.requestProcessingTime(time);
  }

  private fireDue(heap: TimerHeap<Timer>, domain: TimeDomain, upTo: number): void {
    const onTimer = this.fn.onTimer;
    // An event-time timer at t fires once every record with time ≤ t is in (W > t); a processing-time one at now ≥ t.
    while (domain === "event" ? heap.peekTime() < upTo : heap.peekTime() <= upTo) {
      const timer = heap.pop()!;
      if (!this.liveTimers.delete(timer.id)) continue;
      if (onTimer === undefined) continue;
      this.currentKey = timer.key;
      this.currentTime = timer.time;
      try {
        onTimer.call(this.fn, timer.time, domain, this);
      } catch (error) {
        this.context.deadLetter("failed", { timer: timer.time, key: timer.key }, timer.time, error);
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
