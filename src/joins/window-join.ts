/**
 * Window join and window co-group (Flink's `join(...).window(...)` and `coGroup(...).window(...)`): both
 * inputs are keyed; records are buffered per window and key, and a window [start, end) fires once the step's
 * watermark reaches its end, emitting its results with event time end - 1 and the join key. The window's
 * state is dropped when it fires. A record with event time below the step's watermark at arrival is late
 * and goes to the dead-letter ledger; so does a pair (or a co-group) on which the user function throws, as
 * `failed`, while the rest of the window carries on.
 */
import { type Batch, batchOf } from "../core/batch.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";
import { type AlignedWindows, alignedStart } from "../windows/window-assigner.js";
import { decodeWatermark, encodeWatermark, invalidSnapshot, isObject, requireKeys } from "./join-inputs.js";

/** The window a result belongs to: half-open [start, end), in ms since the epoch. */
export interface JoinWindow {
  readonly start: number;
  readonly end: number;
}

/** Options of `WindowJoinOperator`, e.g. `{ assigner: tumbling("1m"), join: (click, view) => ({ click, view }) }`. */
export interface WindowJoinOptions<L, R, O> {
  /** Tumbling or sliding windows. */
  readonly assigner: AlignedWindows;
  /** One result per left and right record with the same key in the same window (an inner join). */
  readonly join: (left: L, right: R, window: JoinWindow) => O;
}

/** Options of `WindowCoGroupOperator`, e.g. `{ assigner: tumbling("1m"), coGroup: (ls, rs) => [ls.length - rs.length] }`. */
export interface WindowCoGroupOptions<L, R, O, K = unknown> {
  /** Tumbling or sliding windows. */
  readonly assigner: AlignedWindows;
  /**
   * Called once per key and window that has a record on either side (one side may be empty), with the
   * records in arrival order; every value it yields is a result.
   */
  readonly coGroup: (lefts: L[], rights: R[], key: K, window: JoinWindow) => Iterable<O>;
}

interface Group {
  lefts: unknown[];
  rights: unknown[];
}

/** The snapshot: `[windowStart, [key, lefts, rights][]][]`, windows ascending. */
type SavedWindows = Array<[number, Array<[unknown, unknown[], unknown[]]>]>;

/** Buffering, lateness, firing and snapshots shared by the window join and the window co-group. */
abstract class WindowedPairs<O> implements Operator<unknown, O> {
  protected context: OperatorContext | undefined;
  /** Highest watermark seen (restored from a snapshot too), so lateness holds across a restore. */
  private watermark = Number.NEGATIVE_INFINITY;
  /** Window start → key → the records of both sides, in arrival order. */
  private readonly windows = new Map<number, Map<unknown, Group>>();
  private buffered = 0;
  private readonly size: number;
  private readonly slide: number;
  private readonly offset: number;

  constructor(assigner: AlignedWindows, what: string) {
    if (
      assigner === null ||
      typeof assigner !== "object" ||
      (assigner.kind !== "tumbling" && assigner.kind !== "sliding")
    ) {
      throw new RangeError(`${what} needs tumbling or sliding windows, got ${JSON.stringify(assigner)}`);
    }
    this.size = assigner.size;
    this.slide = assigner.kind === "sliding" ? assigner.slide : assigner.size;
    this.offset = assigner.offset;
  }

  /** Appends the results of one key in one fired window to the output arrays. */
  protected abstract fire(
    key: unknown,
    group: Group,
    window: JoinWindow,
    items: O[],
    times: number[],
    keys: unknown[],
  ): void;

  open(context: OperatorContext): void {
    this.context = context;
  }

  processBatch(batch: Batch<unknown>, _out: Collector<O>, input: number): void {
    const keys = requireKeys(batch, this.context, input);
    const context = this.context!;
    const stepWatermark = context.watermark();
    const watermark = Math.max(stepWatermark, this.watermark);
    const { items, times } = batch;
    const left = input === 0;
    const { size, slide, offset } = this;
    for (let i = 0; i < items.length; i++) {
      const time = times[i]!;
      if (time < watermark) {
        context.deadLetter("late", items[i], time);
        continue;
      }
      // The same windows as `windowStartsFor`, without allocating the list.
      const lowest = time - size;
      for (let start = alignedStart(time, slide, offset); start > lowest; start -= slide) {
        this.add(start, keys[i], items[i], left);
      }
    }
  }

  onWatermark(time: number, out: Collector<O>): void {
    if (time > this.watermark) this.watermark = time;
    const due: number[] = [];
    for (const start of this.windows.keys()) if (start + this.size <= time) due.push(start);
    if (due.length === 0) return;
    due.sort((a, b) => a - b);
    const items: O[] = [];
    const times: number[] = [];
    const keys: unknown[] = [];
    for (const start of due) {
      const groups = this.windows.get(start)!;
      this.windows.delete(start);
      const window: JoinWindow = { start, end: start + this.size };
      for (const [key, group] of groups) {
        this.buffered -= group.lefts.length + group.rights.length;
        this.fire(key, group, window, items, times, keys);
      }
    }
    if (items.length > 0) out.emit(batchOf(items, times, keys));
  }

  snapshot(): unknown {
    const windows: SavedWindows = [];
    const starts = [...this.windows.keys()].sort((a, b) => a - b);
    for (const start of starts) {
      const groups: Array<[unknown, unknown[], unknown[]]> = [];
      for (const [key, group] of this.windows.get(start)!)
        groups.push([key, group.lefts.slice(), group.rights.slice()]);
      windows.push([start, groups]);
    }
    return { watermark: encodeWatermark(this.watermark), windows };
  }

  restore(saved: unknown): void {
    const name = this.constructor.name;
    if (!isObject(saved) || !Array.isArray(saved.windows))
      invalidSnapshot(name, "expected { watermark, windows }");
    this.windows.clear();
    this.buffered = 0;
    this.watermark = decodeWatermark(saved.watermark);
    for (const entry of saved.windows as SavedWindows) {
      if (!Array.isArray(entry) || typeof entry[0] !== "number" || !Array.isArray(entry[1])) {
        invalidSnapshot(name, "a window entry is not [start, groups]");
      }
      const groups = new Map<unknown, Group>();
      for (const [key, lefts, rights] of entry[1]) {
        if (!Array.isArray(lefts) || !Array.isArray(rights))
          invalidSnapshot(name, "a group is not [key, lefts, rights]");
        groups.set(key, { lefts: lefts.slice(), rights: rights.slice() });
        this.buffered += lefts.length + rights.length;
      }
      this.windows.set(entry[0], groups);
    }
  }

  /** Buffered record entries (a record in several sliding windows counts once per window); for tests and metrics. */
  stateSize(): number {
    return this.buffered;
  }

  private add(start: number, key: unknown, item: unknown, left: boolean): void {
    let groups = this.windows.get(start);
    if (groups === undefined) {
      groups = new Map();
      this.windows.set(start, groups);
    }
    let group = groups.get(key);
    if (group === undefined) {
      group = { lefts: [], rights: [] };
      groups.set(key, group);
    }
    (left ? group.lefts : group.rights).push(item);
    this.buffered++;
  }
}

/**
 * Inner join per key and window: for each window [start, end) it emits `join(l, r, window)` for every left
 * `l` and right `r` with the same key in it, left-major in arrival order, at event time end - 1, once the
 * watermark reaches end. Input 0 is the left side, input 1 the right. Example:
 * `new WindowJoinOperator({ assigner: tumbling("1m"), join: (order, payment) => ({ order, payment }) })`.
 */
export class WindowJoinOperator<L, R, O> extends WindowedPairs<O> {
  private readonly join: (left: L, right: R, window: JoinWindow) => O;

  constructor(options: WindowJoinOptions<L, R, O>) {
    super(options.assigner, "WindowJoinOperator");
    if (typeof options.join !== "function") throw new TypeError("WindowJoinOperator needs a join function");
    this.join = options.join;
  }

  protected fire(
    key: unknown,
    group: Group,
    window: JoinWindow,
    items: O[],
    times: number[],
    keys: unknown[],
  ): void {
    const lefts = group.lefts as L[];
    const rights = group.rights as R[];
    if (lefts.length === 0 || rights.length === 0) return;
    const time = window.end - 1;
    const join = this.join;
    for (let i = 0; i < lefts.length; i++) {
      const left = lefts[i]!;
      for (let j = 0; j < rights.length; j++) {
        let joined: O;
        try {
          joined = join(left, rights[j]!, window);
        } catch (error) {
          this.context!.deadLetter("failed", { left, right: rights[j], window }, time, error);
          continue;
        }
        items.push(joined);
        times.push(time);
        keys.push(key);
      }
    }
  }
}

/**
 * Co-group per key and window: once the watermark reaches a window's end, calls
 * `coGroup(lefts, rights, key, window)` for every key with records in it (on either side) and emits what it
 * yields at event time end - 1. Input 0 is the left side, input 1 the right. Example, a left outer join:
 * `new WindowCoGroupOperator({ assigner: tumbling("1m"), coGroup: (ls, rs) => ls.map((l) => [l, rs[0]]) })`.
 */
export class WindowCoGroupOperator<L, R, O, K = unknown> extends WindowedPairs<O> {
  private readonly coGroup: (lefts: L[], rights: R[], key: K, window: JoinWindow) => Iterable<O>;

  constructor(options: WindowCoGroupOptions<L, R, O, K>) {
    super(options.assigner, "WindowCoGroupOperator");
    if (typeof options.coGroup !== "function")
      throw new TypeError("WindowCoGroupOperator needs a coGroup function");
    this.coGroup = options.coGroup;
  }

  protected fire(
    key: unknown,
    group: Group,
    window: JoinWindow,
    items: O[],
    times: number[],
    keys: unknown[],
  ): void {
    const time = window.end - 1;
    // Results of a call that throws part-way are dropped with it, so a group is emitted whole or not at all.
    const from = items.length;
    try {
      for (const result of this.coGroup(group.lefts as L[], group.rights as R[], key as K, window)) {
        items.push(result);
        times.push(time);
        keys.push(key);
      }
    } catch (error) {
      items.length = times.length = keys.length = from;
      this.context!.deadLetter(
        "failed",
        { key, lefts: group.lefts, rights: group.rights, window },
        time,
        error,
      );
    }
  }
}
