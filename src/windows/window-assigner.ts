/**
 * Window assigners: tumbling(size), sliding(size, slide) and session(gap). Windows are half-open
 * [start, end), aligned to the epoch (plus an optional offset for tumbling and sliding windows).
 */
import { type Duration, toMillis } from "../core/duration.js";

export interface TumblingWindows {
  readonly kind: "tumbling";
  readonly size: number;
  readonly offset: number;
}
export interface SlidingWindows {
  readonly kind: "sliding";
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
}
export interface SessionWindows {
  readonly kind: "session";
  /** A session ends once no record arrives for `gap` ms: records at t1 < t2 share a session iff t2 - t1 < gap. */
  readonly gap: number;
}
export type WindowAssigner = TumblingWindows | SlidingWindows | SessionWindows;
export type AlignedWindows = TumblingWindows | SlidingWindows;

/** Fixed, non-overlapping windows, e.g. `tumbling("1m")` gives [12:00, 12:01), [12:01, 12:02), … */
export function tumbling(size: Duration, options: { offset?: Duration } = {}): TumblingWindows {
  const ms = toMillis(size, "tumbling window size");
  if (ms <= 0) throw new RangeError("tumbling window size must be > 0");
  return { kind: "tumbling", size: ms, offset: toMillis(options.offset ?? 0, "window offset") % ms };
}

/** Overlapping windows of `size` starting every `slide`, e.g. `sliding("10s", "2s")`: each record is in 5 windows. */
export function sliding(
  size: Duration,
  slide: Duration,
  options: { offset?: Duration } = {},
): SlidingWindows {
  const sizeMs = toMillis(size, "sliding window size");
  const slideMs = toMillis(slide, "sliding window slide");
  if (sizeMs <= 0 || slideMs <= 0) throw new RangeError("sliding window size and slide must be > 0");
  if (slideMs > sizeMs)
    throw new RangeError(`sliding window slide (${slideMs} ms) must not exceed its size (${sizeMs} ms)`);
  return {
    kind: "sliding",
    size: sizeMs,
    slide: slideMs,
    offset: toMillis(options.offset ?? 0, "window offset") % slideMs,
  };
}

/** Activity sessions per key that close after `gap` without records, e.g. `session("30m")`. */
export function session(gap: Duration): SessionWindows {
  const ms = toMillis(gap, "session gap");
  if (ms <= 0) throw new RangeError("session gap must be > 0");
  return { kind: "session", gap: ms };
}

/** Start of the aligned window of length `step` (shifted by `offset`) that contains `time`. */
export function alignedStart(time: number, step: number, offset: number): number {
  const r = (time - offset) % step;
  return r < 0 ? time - r - step : time - r;
}

/** The windows of an aligned assigner that contain `time`, as start times in ascending order. */
export function windowStartsFor(assigner: AlignedWindows, time: number): number[] {
  if (assigner.kind === "tumbling") return [alignedStart(time, assigner.size, assigner.offset)];
  const last = alignedStart(time, assigner.slide, assigner.offset);
  const starts: number[] = [];
  for (let s = last; s > time - assigner.size; s -= assigner.slide) starts.push(s);
  return starts.reverse();
}
