/**
 * Processing time is injected: logic asks a Clock, never `Date.now()`. Tests drive a ManualClock.
 */
export interface Clock {
  /** Current processing time in ms since the epoch. */
  now(): number;
  /** Calls `fn` once after `delayMs` of this clock's time; returns a cancel function. */
  schedule(delayMs: number, fn: () => void): () => void;
}

/** The wall clock, for production runs. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
  schedule(delayMs: number, fn: () => void): () => void {
    const handle = setTimeout(fn, delayMs);
    return () => clearTimeout(handle);
  }
}

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that only moves when told, e.g. `clock.advance(30_000)` fires the timers due in that span, in order. */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: PendingTimer[] = [];

  constructor(start = 0) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  schedule(delayMs: number, fn: () => void): () => void {
    const timer: PendingTimer = {
      at: this.current + Math.max(0, delayMs),
      seq: this.seq++,
      fn,
      cancelled: false,
    };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }
  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    this.setTime(this.current + ms);
  }
  /** Moves time to `time` (never backwards), running due timers in time order. */
  setTime(time: number): void {
    if (time < this.current)
      throw new RangeError(`ManualClock cannot go backwards (${time} < ${this.current})`);
    for (;;) {
      let next: PendingTimer | undefined;
      for (const t of this.timers) {
        if (t.cancelled || t.at > time) continue;
        if (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
      }
      if (next === undefined) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.timers = this.timers.filter((t) => !t.cancelled);
    this.current = time;
  }
}
