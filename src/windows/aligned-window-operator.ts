/**
 * Tumbling and sliding windows over a keyed stream, aggregated incrementally. Records are added to panes of
 * length gcd(size, slide); a window is the merge of its panes, so each record is aggregated once however many
 * sliding windows it belongs to. Windows fire when the watermark reaches their end; panes are dropped once
 * every window containing them is past its allowed lateness. A record on which an aggregate's user code
 * throws goes to the dead-letter ledger as `failed` and changes nothing (see AggregateSet).
 */
import type { Batch } from "../core/batch.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";
import type { AggregateSet } from "./aggregate-set.js";
import type { WindowStepOptions } from "./emit-mode.js";
import { type AlignedWindows, alignedStart } from "./window-assigner.js";

type Pane = Map<unknown, unknown[]>;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

export class AlignedWindowOperator<T> implements Operator<T, Record<string, unknown>> {
  private context!: OperatorContext;
  private readonly size: number;
  private readonly slide: number;
  private readonly offset: number;
  private readonly paneSize: number;
  private readonly panes = new Map<number, Pane>();
  /** Every window with end ≤ firedUpTo has fired. */
  private firedUpTo = Number.NEGATIVE_INFINITY;

  constructor(
    assigner: AlignedWindows,
    private readonly aggregates: AggregateSet<T>,
    private readonly options: WindowStepOptions,
  ) {
    this.size = assigner.size;
    this.slide = assigner.kind === "tumbling" ? assigner.size : assigner.slide;
    this.offset = assigner.offset;
    this.paneSize = gcd(this.size, this.slide);
  }

  open(context: OperatorContext): void {
    this.context = context;
  }

  processBatch(batch: Batch<T>, out: Collector<Record<string, unknown>>): void {
    const { items, times, keys } = batch;
    const n = items.length;
    const aggregates = this.aggregates;
    const paneSize = this.paneSize;
    const offset = this.offset;
    const watermark = this.context.watermark();
    const lateness = this.options.allowedLateness;
    const trackChanges = this.options.emit === "updates";
    let changed: Map<number, Set<unknown>> | undefined;
    let lastPaneStart = Number.NaN;
    let pane: Pane | undefined;
    for (let i = 0; i < n; i++) {
      const t = times[i]!;
      const key = keys === undefined ? undefined : keys[i];
      let r = (t - offset) % paneSize;
      if (r < 0) r += paneSize;
      const paneStart = t - r;
      let isLateUpdate = false;
      if (t < watermark) {
        // Late: the last window containing t ends at alignedStart(t, slide) + size.
        const lastEnd = alignedStart(t, this.slide, offset) + this.size;
        if (lastEnd + lateness <= watermark) {
          this.context.deadLetter("late", items[i], t);
          continue;
        }
        isLateUpdate = true;
      }
      try {
        aggregates.read(items[i]!, t);
      } catch (error) {
        this.context.deadLetter("failed", items[i], t, error);
        continue;
      }
      if (paneStart !== lastPaneStart) {
        pane = this.panes.get(paneStart);
        if (pane === undefined) {
          pane = new Map();
          this.panes.set(paneStart, pane);
        }
        lastPaneStart = paneStart;
      }
      let accs = pane!.get(key);
      if (accs === undefined) {
        accs = aggregates.create();
        pane!.set(key, accs);
      }
      aggregates.addRead(accs, t);
      if (trackChanges || isLateUpdate) {
        changed ??= new Map();
        let set = changed.get(paneStart);
        if (set === undefined) changed.set(paneStart, (set = new Set()));
        set.add(key);
      }
    }
    if (changed !== undefined) this.emitChanged(changed, watermark, out);
  }

  onWatermark(watermark: number, out: Collector<Record<string, unknown>>): void {
    if (this.panes.size === 0) {
      this.firedUpTo = watermark;
      return;
    }
    const ends = new Set<number>();
    for (const paneStart of this.panes.keys()) {
      for (const end of this.windowEndsContaining(paneStart)) {
        if (end > this.firedUpTo && end <= watermark) ends.add(end);
      }
    }
    const items: Record<string, unknown>[] = [];
    const times: number[] = [];
    const keys: unknown[] = [];
    for (const end of [...ends].sort((a, b) => a - b)) {
      for (const [key, accs] of this.windowContents(end)) {
        items.push(this.aggregates.row(key, end - this.size, end, accs));
        times.push(end - 1);
        keys.push(key);
      }
    }
    this.firedUpTo = watermark;
    if (this.options.emit === "final" && items.length > 0) out.emit({ items, times, keys, partition: -1 });
    // Drop panes whose latest window is past its allowed lateness.
    const lateness = this.options.allowedLateness;
    for (const paneStart of this.panes.keys()) {
      const latestEnd = alignedStart(paneStart, this.slide, this.offset) + this.size;
      if (latestEnd + lateness <= watermark) this.panes.delete(paneStart);
    }
  }

  snapshot(): unknown {
    const panes: Array<[number, Array<[unknown, unknown[]]>]> = [];
    for (const [start, pane] of this.panes) {
      panes.push([start, [...pane].map(([k, accs]) => [k, this.aggregates.snapshot(accs)])]);
    }
    return { firedUpTo: this.firedUpTo === Number.NEGATIVE_INFINITY ? null : this.firedUpTo, panes };
  }

  restore(saved: unknown): void {
    const s = saved as { firedUpTo: number | null; panes: Array<[number, Array<[unknown, unknown[]]>]> };
    this.firedUpTo = s.firedUpTo ?? Number.NEGATIVE_INFINITY;
    this.panes.clear();
    for (const [start, entries] of s.panes) {
      this.panes.set(start, new Map(entries.map(([k, accs]) => [k, this.aggregates.restore(accs)])));
    }
  }

  /** Number of panes held, for tests of state clean-up. */
  stateSize(): number {
    return this.panes.size;
  }

  private windowEndsContaining(paneStart: number): number[] {
    const ends: number[] = [];
    for (
      let s = alignedStart(paneStart, this.slide, this.offset);
      s > paneStart - this.size;
      s -= this.slide
    ) {
      ends.push(s + this.size);
    }
    return ends;
  }

  /** Merged accumulators per key for the window ending at `end`. */
  private windowContents(end: number, onlyKeys?: Set<unknown>): Map<unknown, unknown[]> {
    const start = end - this.size;
    if (this.paneSize === this.size) {
      const pane = this.panes.get(start);
      if (pane === undefined) return new Map();
      if (onlyKeys === undefined) return pane;
      const picked = new Map<unknown, unknown[]>();
      for (const k of onlyKeys) {
        const accs = pane.get(k);
        if (accs !== undefined) picked.set(k, accs);
      }
      return picked;
    }
    const merged = new Map<unknown, unknown[]>();
    for (let p = start; p < end; p += this.paneSize) {
      const pane = this.panes.get(p);
      if (pane === undefined) continue;
      if (onlyKeys === undefined) {
        for (const [key, accs] of pane) {
          const into = merged.get(key);
          if (into === undefined) merged.set(key, this.aggregates.clone(accs));
          else this.aggregates.merge(into, accs);
        }
      } else {
        for (const key of onlyKeys) {
          const accs = pane.get(key);
          if (accs === undefined) continue;
          const into = merged.get(key);
          if (into === undefined) merged.set(key, this.aggregates.clone(accs));
          else this.aggregates.merge(into, accs);
        }
      }
    }
    return merged;
  }

  /** Emits the current value of every (window, key) a batch changed that is due for an update. */
  private emitChanged(
    changed: Map<number, Set<unknown>>,
    watermark: number,
    out: Collector<Record<string, unknown>>,
  ): void {
    const byEnd = new Map<number, Set<unknown>>();
    for (const [paneStart, keys] of changed) {
      for (const end of this.windowEndsContaining(paneStart)) {
        const alreadyFired = end <= this.firedUpTo;
        if (this.options.emit === "final" && !alreadyFired) continue;
        if (end + this.options.allowedLateness <= watermark) continue;
        let set = byEnd.get(end);
        if (set === undefined) byEnd.set(end, (set = new Set()));
        for (const k of keys) set.add(k);
      }
    }
    const items: Record<string, unknown>[] = [];
    const times: number[] = [];
    const keys: unknown[] = [];
    for (const end of [...byEnd.keys()].sort((a, b) => a - b)) {
      for (const [key, accs] of this.windowContents(end, byEnd.get(end))) {
        items.push(this.aggregates.row(key, end - this.size, end, accs));
        times.push(end - 1);
        keys.push(key);
      }
    }
    if (items.length > 0) out.emit({ items, times, keys, partition: -1 });
  }
}
