/**
 * detectAnomalies: per key, scores each record's value against a baseline learned from that key's earlier
 * values, and emits an Anomaly when the z-score |value − mean| / stddev exceeds a threshold. Two baselines:
 * "ewma" (exponentially weighted mean and variance, the newest value weighted `alpha`) and "zscore" (mean and
 * standard deviation of the last `window` values). Every value is learned after it is scored, anomalies too,
 * so a lasting level shift stops alerting once the baseline has caught up.
 *
 * Records are scored in event-time order, whatever order they arrive in: each waits until the watermark
 * passes it (W > t), so results are deterministic for disorder within maxOutOfOrderness, at the cost of
 * alerting about that much later. A record already behind the watermark when it arrives is late and goes to
 * the dead-letter ledger. The baselines live in keyed state (one table per step), the waiting records in the
 * step's snapshot, so both are checkpointed and restored.
 */
import type { Batch } from "../core/batch.js";
import type { Collector, Operator, OperatorContext } from "../runtime/operator.js";
import { TimerHeap } from "../runtime/timer-heap.js";
import type { StateTable } from "../state/state-backend.js";

export type AnomalyMethod = "ewma" | "zscore";

export interface AnomalyDetectorOptions<T> {
  /** The number watched, e.g. `(r) => r.temp`. A value that is not a finite number fails the record. */
  readonly value: (record: T) => number;
  /** "ewma" (default): exponentially weighted baseline; "zscore": mean and stddev of the last `window` values. */
  readonly method?: AnomalyMethod;
  /** A value is anomalous when |z| > threshold (default 3). */
  readonly threshold?: number;
  /** Values a key must have learned before its values are scored (default 10). */
  readonly warmup?: number;
  /** "ewma": weight of the newest value, in (0, 1] (default 0.1). */
  readonly alpha?: number;
  /** "zscore": how many of the key's latest values make the baseline (default 30; at least `warmup`). */
  readonly window?: number;
}

/** One anomalous record, with the baseline it was scored against. */
export interface Anomaly<T, K> {
  readonly key: K;
  /** The record's event time. */
  readonly time: number;
  readonly value: number;
  /** The baseline mean before this value. */
  readonly expected: number;
  /** The baseline standard deviation before this value. */
  readonly stddev: number;
  /** (value − expected) / stddev. */
  readonly score: number;
  readonly direction: "high" | "low";
  readonly record: T;
}

/** A key's baseline as kept in state: EWMA moments, or the rolling window of values. */
type Baseline = { n: number; mean: number; variance: number } | { values: number[] };

interface Waiting<T> {
  readonly key: unknown;
  readonly item: T;
  /** Arrival order, so records with equal times are scored in the order they came, also after a restore. */
  readonly seq: number;
}

interface DetectorSnapshot<T> {
  waiting: Array<[number, unknown, T, number]>;
  seq: number;
}

const STATE_TABLE = "anomaly-baseline";

export class AnomalyDetectorOperator<T, K> implements Operator<T, Anomaly<T, K>> {
  private context!: OperatorContext;
  private baselines!: StateTable<Baseline>;
  private readonly waiting = new TimerHeap<Waiting<T>>();
  private seq = 0;
  private readonly method: AnomalyMethod;
  private readonly threshold: number;
  private readonly warmup: number;
  private readonly alpha: number;
  private readonly window: number;

  constructor(private readonly options: AnomalyDetectorOptions<T>) {
    this.method = options.method ?? "ewma";
    this.threshold = options.threshold ?? 3;
    this.warmup = options.warmup ?? 10;
    this.alpha = options.alpha ?? 0.1;
    this.window = options.window ?? Math.max(30, this.warmup);
    if (this.method !== "ewma" && this.method !== "zscore") {
      throw new RangeError(`detectAnomalies method must be "ewma" or "zscore", got ${String(this.method)}`);
    }
    if (!(this.threshold > 0))
      throw new RangeError(`detectAnomalies threshold must be > 0, got ${this.threshold}`);
    if (!(Number.isInteger(this.warmup) && this.warmup >= 2)) {
      throw new RangeError(`detectAnomalies warmup must be an integer ≥ 2, got ${this.warmup}`);
    }
    if (!(this.alpha > 0 && this.alpha <= 1)) {
      throw new RangeError(`detectAnomalies alpha must be in (0, 1], got ${this.alpha}`);
    }
    if (!(Number.isInteger(this.window) && this.window >= this.warmup)) {
      throw new RangeError(
        `detectAnomalies window must be an integer ≥ warmup (${this.warmup}), got ${this.window}`,
      );
    }
  }

  open(context: OperatorContext): void {
    this.context = context;
    this.baselines = context.state.table<Baseline>(context.stepId, STATE_TABLE);
  }

  processBatch(batch: Batch<T>): void {
    const { items, times, keys } = batch;
    const watermark = this.context.watermark();
    for (let i = 0; i < items.length; i++) {
      const t = times[i]!;
      if (t < watermark) this.context.deadLetter("late", items[i], t);
      else
        this.waiting.push(t, {
          key: keys === undefined ? undefined : keys[i],
          item: items[i]!,
          seq: this.seq++,
        });
    }
  }

  onWatermark(watermark: number, out: Collector<Anomaly<T, K>>): void {
    if (this.waiting.peekTime() >= watermark) return;
    const items: Anomaly<T, K>[] = [];
    const times: number[] = [];
    const keys: unknown[] = [];
    while (this.waiting.peekTime() < watermark) {
      const time = this.waiting.peekTime();
      const { key, item } = this.waiting.pop()!;
      let anomaly: Anomaly<T, K> | undefined;
      try {
        anomaly = this.score(key as K, item, time);
      } catch (error) {
        this.context.deadLetter("failed", item, time, error);
        continue;
      }
      if (anomaly !== undefined) {
        items.push(anomaly);
        times.push(time);
        keys.push(key);
      }
    }
    if (items.length > 0) out.emit({ items, times, keys, partition: -1 });
  }

  snapshot(): DetectorSnapshot<T> {
    const waiting = this.waiting
      .entries()
      .sort((a, b) => a[0] - b[0] || a[1].seq - b[1].seq)
      .map(([time, w]): [number, unknown, T, number] => [time, w.key, w.item, w.seq]);
    return { waiting, seq: this.seq };
  }

  restore(saved: unknown): void {
    const s = saved as DetectorSnapshot<T>;
    this.waiting.clear();
    for (const [time, key, item, seq] of s.waiting) this.waiting.push(time, { key, item, seq });
    this.seq = s.seq;
  }

  /** Records waiting for the watermark, for tests. */
  waitingCount(): number {
    return this.waiting.size;
  }

  /** Scores one record against its key's baseline, then learns its value. */
  private score(key: K, item: T, time: number): Anomaly<T, K> | undefined {
    const value = this.options.value(item);
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new TypeError(`detectAnomalies value must be a finite number, got ${JSON.stringify(value)}`);
    }
    const baseline = this.baselines.get(key);
    let learned = 0;
    let mean = 0;
    let variance = 0;
    let next: Baseline;
    if (this.method === "ewma") {
      const b = baseline as { n: number; mean: number; variance: number } | undefined;
      if (b === undefined) next = { n: 1, mean: value, variance: 0 };
      else {
        ({ n: learned, mean, variance } = b);
        // West's incremental exponentially weighted mean and variance.
        const diff = value - mean;
        const step = this.alpha * diff;
        next = { n: learned + 1, mean: mean + step, variance: (1 - this.alpha) * (variance + diff * step) };
      }
    } else {
      const values = (baseline as { values: number[] } | undefined)?.values ?? [];
      learned = values.length;
      if (learned > 0) {
        let sum = 0;
        for (const v of values) sum += v;
        mean = sum / learned;
        let squares = 0;
        for (const v of values) squares += (v - mean) * (v - mean);
        variance = squares / learned;
      }
      const kept =
        values.length >= this.window ? values.slice(values.length - this.window + 1) : values.slice();
      kept.push(value);
      next = { values: kept };
    }
    this.baselines.set(key, next);
    const stddev = Math.sqrt(variance);
    if (learned < this.warmup || !(stddev > 0)) return undefined;
    const score = (value - mean) / stddev;
    if (Math.abs(score) <= this.threshold) return undefined;
    return {
      key,
      time,
      value,
      expected: mean,
      stddev,
      score,
      direction: score > 0 ? "high" : "low",
      record: item,
    };
  }
}
