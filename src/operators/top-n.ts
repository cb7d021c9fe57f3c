/**
 * topN: per window, the `n` rows of a window aggregate's output with the highest (or lowest) score, ranked
 * 1..n. Rows are gathered per window (an update for the same key replaces the earlier row) and ranked once
 * the watermark reaches the window's end; rows arriving later, within `allowedLateness`, re-rank the window.
 * A row's score is taken once, when it arrives: a row on which `by` throws, or returns something that cannot
 * be ranked (NaN, or not a number), goes to the dead-letter ledger as `failed` and is not ranked; the window's
 * other rows are.
 */
import type { Batch } from "../core/batch.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";
import { TimerHeap } from "../runtime/timer-heap.js";

export interface WindowedRow {
  readonly key: unknown;
  readonly windowStart: number;
  readonly windowEnd: number;
}

export interface TopNOptions<R> {
  readonly n: number;
  /** The score to rank by. */
  readonly by: (row: R) => number;
  /** "desc" (default): highest first. Ties are broken by key, ascending. */
  readonly order?: "asc" | "desc";
  readonly allowedLateness?: number;
}

interface ScoredRow<R> {
  readonly row: R;
  readonly score: number;
}

interface WindowRows<R> {
  readonly start: number;
  readonly end: number;
  readonly rows: Map<unknown, ScoredRow<R>>;
  fired: boolean;
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export class TopNOperator<R extends WindowedRow> implements Operator<R, R & { rank: number }> {
  private context!: OperatorContext;
  private readonly windows = new Map<number, WindowRows<R>>();
  private readonly timers = new TimerHeap<WindowRows<R>>();

  constructor(private readonly options: TopNOptions<R>) {
    if (!(options.n >= 1)) throw new RangeError(`topN needs n ≥ 1, got ${options.n}`);
  }

  open(context: OperatorContext): void {
    this.context = context;
  }

  processBatch(batch: Batch<R>, out: Collector<R & { rank: number }>): void {
    const watermark = this.context.watermark();
    const lateness = this.options.allowedLateness ?? 0;
    const by = this.options.by;
    let refire: Set<WindowRows<R>> | undefined;
    for (let i = 0; i < batch.items.length; i++) {
      const row = batch.items[i]!;
      let w = this.windows.get(row.windowStart);
      if (w === undefined && row.windowEnd + lateness <= watermark) {
        this.context.deadLetter("late", row, batch.times[i]!);
        continue;
      }
      let score: number;
      try {
        score = by(row);
        // NaN compares with nothing: ranked, it would leave the order to the sort's whims.
        if (typeof score !== "number" || Number.isNaN(score)) {
          throw new TypeError(`topN's score must be a number to rank by, got ${String(score)}`);
        }
      } catch (error) {
        this.context.deadLetter("failed", row, batch.times[i]!, error);
        continue;
      }
      if (w === undefined) {
        w = { start: row.windowStart, end: row.windowEnd, rows: new Map(), fired: false };
        this.windows.set(row.windowStart, w);
        this.timers.push(w.end, w);
      }
      w.rows.set(row.key, { row, score });
      if (w.end <= watermark) (refire ??= new Set()).add(w);
    }
    if (refire !== undefined) {
      const items: Array<R & { rank: number }> = [];
      const times: number[] = [];
      for (const w of refire) this.rank(w, items, times);
      if (items.length > 0) out.emit({ items, times, keys: items.map((r) => r.key), partition: -1 });
    }
  }

  onWatermark(watermark: number, out: Collector<R & { rank: number }>): void {
    const items: Array<R & { rank: number }> = [];
    const times: number[] = [];
    const lateness = this.options.allowedLateness ?? 0;
    while (this.timers.size > 0 && this.timers.peekTime() <= watermark) {
      const w = this.timers.pop()!;
      if (!w.fired) {
        this.rank(w, items, times);
        w.fired = true;
      }
      if (w.end + lateness <= watermark) this.windows.delete(w.start);
      else this.timers.push(w.end + lateness, w);
    }
    if (items.length > 0) out.emit({ items, times, keys: items.map((r) => r.key), partition: -1 });
  }

  snapshot(): unknown {
    return [...this.windows.values()].map((w) => [
      w.start,
      w.end,
      w.fired,
      [...w.rows.values()].map((s) => s.row),
    ]);
  }

  restore(saved: unknown): void {
    this.windows.clear();
    this.timers.clear();
    const lateness = this.options.allowedLateness ?? 0;
    const by = this.options.by;
    for (const [start, end, fired, rows] of saved as Array<[number, number, boolean, R[]]>) {
      // Rows in a checkpoint were scored without error when they arrived; scores are taken again here.
      const scored = new Map(rows.map((row) => [row.key, { row, score: by(row) }]));
      const w: WindowRows<R> = { start, end, fired, rows: scored };
      this.windows.set(start, w);
      this.timers.push(fired ? end + lateness : end, w);
    }
  }

  private rank(w: WindowRows<R>, items: Array<R & { rank: number }>, times: number[]): void {
    const sign = this.options.order === "asc" ? 1 : -1;
    const rows = [...w.rows.values()].sort(
      (a, b) => sign * (a.score - b.score) || compareKeys(a.row.key, b.row.key),
    );
    const n = Math.min(this.options.n, rows.length);
    for (let i = 0; i < n; i++) {
      items.push({ ...rows[i]!.row, rank: i + 1 });
      times.push(w.end - 1);
    }
  }
}
