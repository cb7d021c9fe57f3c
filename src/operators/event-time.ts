/**
 * withEventTime: takes each record's event time from user code and makes watermarks. Per source partition,
 * W = (max event time seen) − maxOutOfOrderness; the step's watermark is the minimum over partitions that
 * are not idle, undefined until each has reported, and never goes backwards. A partition with no data for
 * `idleTimeout` of processing time is idle and left out until it sends data again.
 */
import type { Batch } from "../core/batch.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";

export interface EventTimeOptions {
  /** How far behind the maximum event time seen a record may still arrive on time (ms). */
  readonly maxOutOfOrderness: number;
  /** Processing time (ms) without data after which a partition is idle; undefined: never idle. */
  readonly idleTimeout: number | undefined;
}

export class EventTimeOperator<T> implements Operator<T, T> {
  readonly generatesWatermarks = true;
  private context!: OperatorContext;
  private readonly maxSeen = new Map<number, number>();
  private readonly lastActive = new Map<number, number>();
  private readonly idle = new Set<number>();
  private emitted = Number.NEGATIVE_INFINITY;
  private checkPending = false;

  constructor(
    private readonly timestampOf: (record: T) => number,
    private readonly options: EventTimeOptions,
    /** The partitions that feed this step (global partition numbers). */
    private readonly partitions: readonly number[],
  ) {}

  open(context: OperatorContext): void {
    this.context = context;
    const now = context.clock.now();
    for (const p of this.partitions) this.lastActive.set(p, now);
    this.scheduleIdleCheck(now);
  }

  processBatch(batch: Batch<T>, out: Collector<T>): void {
    const { items } = batch;
    const n = items.length;
    const fn = this.timestampOf;
    const times: number[] = new Array(n);
    let max = Number.NEGATIVE_INFINITY;
    let failed: Set<number> | undefined;
    let i = 0;
    while (i < n) {
      try {
        for (; i < n; i++) {
          const t = fn(items[i]!);
          if (typeof t !== "number" || !Number.isFinite(t)) {
            throw new TypeError(`event time must be a finite number of ms since the epoch, got ${String(t)}`);
          }
          times[i] = t;
          if (t > max) max = t;
        }
      } catch (error) {
        this.context.deadLetter("failed", items[i], batch.times[i] ?? Number.NaN, error);
        (failed ??= new Set()).add(i);
        i++;
      }
    }
    const p = batch.partition;
    if (this.idle.size > 0) this.idle.delete(p);
    if (this.options.idleTimeout !== undefined) this.lastActive.set(p, this.context.clock.now());
    else if (!this.lastActive.has(p)) this.lastActive.set(p, 0);
    if (failed === undefined) out.emit({ items, times, keys: batch.keys, partition: p });
    else {
      const keep = (_: unknown, j: number) => !failed!.has(j);
      out.emit({
        items: items.filter(keep),
        times: times.filter(keep),
        keys: batch.keys?.filter(keep),
        partition: p,
      });
    }
    if (max !== Number.NEGATIVE_INFINITY) {
      const previous = this.maxSeen.get(p);
      if (previous === undefined || max > previous) this.maxSeen.set(p, max);
    } else if (!this.maxSeen.has(p)) {
      return;
    }
    this.advance(out);
  }

  onProcessingTime(now: number, out: Collector<T>): void {
    this.checkPending = false;
    const timeout = this.options.idleTimeout;
    if (timeout === undefined) return;
    let changed = false;
    for (const [p, last] of this.lastActive) {
      if (!this.idle.has(p) && now - last >= timeout) {
        this.idle.add(p);
        changed = true;
      }
    }
    if (changed) {
      if (this.idle.size >= this.lastActive.size) out.emitIdle();
      else this.advance(out);
    }
    this.scheduleIdleCheck(now);
  }

  snapshot(): unknown {
    return { maxSeen: [...this.maxSeen], emitted: this.emitted };
  }

  restore(saved: unknown): void {
    const s = saved as { maxSeen: Array<[number, number]>; emitted: number };
    this.maxSeen.clear();
    for (const [p, m] of s.maxSeen) this.maxSeen.set(p, m);
    this.emitted = s.emitted ?? Number.NEGATIVE_INFINITY;
  }

  private advance(out: Collector<T>): void {
    let min = Number.POSITIVE_INFINITY;
    for (const p of this.lastActive.keys()) {
      if (this.idle.has(p)) continue;
      const m = this.maxSeen.get(p);
      if (m === undefined) return; // a partition has not reported yet: the watermark stays undefined
      if (m < min) min = m;
    }
    if (min === Number.POSITIVE_INFINITY) return;
    const w = min - this.options.maxOutOfOrderness;
    if (w > this.emitted) {
      this.emitted = w;
      out.emitWatermark(w);
    }
  }

  private scheduleIdleCheck(now: number): void {
    const timeout = this.options.idleTimeout;
    if (timeout === undefined || this.checkPending) return;
    this.checkPending = true;
    this.context.requestProcessingTime(now + Math.max(1, Math.floor(timeout / 4)));
  }
}
