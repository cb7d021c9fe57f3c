/**
 * Session windows per key, with merging: each record opens [t, t + gap); windows that overlap merge into one
 * whose accumulators are merged. A session fires when the watermark reaches its end and is kept for its
 * allowed lateness, so a late record can still extend (and re-emit) it.
 */
import type { Batch } from "../core/batch.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";
import { TimerHeap } from "../runtime/timer-heap.js";
import type { AggregateSet } from "./aggregate-set.js";
import type { WindowStepOptions } from "./emit-mode.js";
import type { SessionWindows } from "./window-assigner.js";

interface Session {
  key: unknown;
  start: number;
  end: number;
  accs: unknown[];
  fired: boolean;
  /** Merged into another session or purged: its timer entries are stale. */
  dead: boolean;
}

export class SessionWindowOperator<T> implements Operator<T, Record<string, unknown>> {
  private context!: OperatorContext;
  private readonly sessions = new Map<unknown, Session[]>();
  private readonly timers = new TimerHeap<Session>();

  constructor(
    private readonly assigner: SessionWindows,
    private readonly aggregates: AggregateSet<T>,
    private readonly options: WindowStepOptions,
  ) {}

  open(context: OperatorContext): void {
    this.context = context;
  }

  processBatch(batch: Batch<T>, out: Collector<Record<string, unknown>>): void {
    const { items, times, keys } = batch;
    const gap = this.assigner.gap;
    const watermark = this.context.watermark();
    const lateness = this.options.allowedLateness;
    let changed: Set<Session> | undefined;
    for (let i = 0; i < items.length; i++) {
      const t = times[i]!;
      const key = keys === undefined ? undefined : keys[i];
      let list = this.sessions.get(key);
      let start = t;
      let end = t + gap;
      let first = -1;
      let last = -1;
      if (list !== undefined) {
        for (let j = 0; j < list.length; j++) {
          const s = list[j]!;
          if (s.start < end && t < s.end) {
            if (first < 0) first = j;
            last = j;
            if (s.start < start) start = s.start;
            if (s.end > end) end = s.end;
          }
        }
      }
      if (t < watermark && end + lateness <= watermark) {
        this.context.deadLetter("late", items[i], t);
        continue;
      }
      try {
        this.aggregates.read(items[i]!, t);
      } catch (error) {
        // Before any session changed: a record that fails does not open, extend or merge sessions.
        this.context.deadLetter("failed", items[i], t, error);
        continue;
      }
      let target: Session;
      if (first < 0) {
        target = { key, start, end, accs: this.aggregates.create(), fired: false, dead: false };
        if (list === undefined) {
          list = [];
          this.sessions.set(key, list);
        }
        let at = list.length;
        while (at > 0 && list[at - 1]!.start > start) at--;
        list.splice(at, 0, target);
        this.timers.push(end, target);
      } else {
        target = list![first]!;
        for (let j = first + 1; j <= last; j++) {
          const other = list![j]!;
          this.aggregates.merge(target.accs, other.accs);
          target.fired ||= other.fired;
          other.dead = true;
        }
        if (last > first) list!.splice(first + 1, last - first);
        target.start = start;
        target.end = end;
        // Extended past the watermark: it is open again and fires (again) when the watermark reaches its end.
        if (end > watermark && target.fired) {
          target.fired = false;
          this.timers.push(end, target);
        }
      }
      this.aggregates.addRead(target.accs, t);
      if (this.options.emit === "updates" || end <= watermark) {
        (changed ??= new Set()).add(target);
      }
    }
    if (changed !== undefined) {
      const rows: Record<string, unknown>[] = [];
      const rowTimes: number[] = [];
      const rowKeys: unknown[] = [];
      for (const s of changed) {
        if (s.dead) continue;
        if (s.end <= watermark) s.fired = true;
        rows.push(this.aggregates.row(s.key, s.start, s.end, s.accs));
        rowTimes.push(s.end - 1);
        rowKeys.push(s.key);
      }
      if (rows.length > 0) out.emit({ items: rows, times: rowTimes, keys: rowKeys, partition: -1 });
    }
  }

  onWatermark(watermark: number, out: Collector<Record<string, unknown>>): void {
    const rows: Record<string, unknown>[] = [];
    const rowTimes: number[] = [];
    const rowKeys: unknown[] = [];
    const lateness = this.options.allowedLateness;
    const fireNow = this.options.emit === "final";
    while (this.timers.size > 0 && this.timers.peekTime() <= watermark) {
      const s = this.timers.pop()!;
      if (s.dead) continue;
      if (s.end > watermark) {
        this.timers.push(s.end, s); // extended since this timer was set
        continue;
      }
      if (!s.fired) {
        s.fired = true;
        if (fireNow) {
          rows.push(this.aggregates.row(s.key, s.start, s.end, s.accs));
          rowTimes.push(s.end - 1);
          rowKeys.push(s.key);
        }
      }
      if (s.end + lateness <= watermark) this.purge(s);
      else this.timers.push(s.end + lateness, s);
    }
    // Rows in window-end order, then key order of firing, so output is deterministic.
    if (rows.length > 0) out.emit({ items: rows, times: rowTimes, keys: rowKeys, partition: -1 });
  }

  snapshot(): unknown {
    const sessions: Array<[unknown, number, number, unknown[], boolean]> = [];
    for (const list of this.sessions.values()) {
      for (const s of list) sessions.push([s.key, s.start, s.end, this.aggregates.snapshot(s.accs), s.fired]);
    }
    return { sessions };
  }

  restore(saved: unknown): void {
    const { sessions } = saved as { sessions: Array<[unknown, number, number, unknown[], boolean]> };
    this.sessions.clear();
    this.timers.clear();
    const lateness = this.options.allowedLateness;
    for (const [key, start, end, accs, fired] of sessions) {
      const s: Session = { key, start, end, accs: this.aggregates.restore(accs), fired, dead: false };
      let list = this.sessions.get(key);
      if (list === undefined) this.sessions.set(key, (list = []));
      list.push(s);
      this.timers.push(fired ? end + lateness : end, s);
    }
  }

  /** Number of sessions held, for tests of state clean-up. */
  stateSize(): number {
    let n = 0;
    for (const list of this.sessions.values()) n += list.length;
    return n;
  }

  private purge(s: Session): void {
    s.dead = true;
    const list = this.sessions.get(s.key);
    if (list === undefined) return;
    const at = list.indexOf(s);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.sessions.delete(s.key);
  }
}
