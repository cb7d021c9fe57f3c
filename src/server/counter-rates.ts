/**
 * Per-second rates of growing counters (records in and out of each step, records appended to each stream,
 * time sources spent blocked) over a sliding window of about five seconds. The server samples its counters
 * once a second and again when a route asks for a rate; a rate is (now − oldest sample in the window) over
 * the time between them. Keys are fixed by the pipelines and streams the server was given, so memory stays
 * bounded.
 */

interface Sample {
  readonly at: number;
  readonly value: number;
}

/** Samples kept per counter: one a second over the window, plus room for on-request samples. */
const MAX_SAMPLES = 32;

/** Samples closer together than this are not kept (a burst of requests does not flood the window). */
const MIN_GAP_MS = 100;

/** e.g. `rates.sample("in", 120, now); ...; rates.rate("in", 240, now + 1000)` → 120 per second. */
export class CounterRates {
  private readonly samples = new Map<string, Sample[]>();

  /** @param windowMs how far back a rate looks (default 5,000 ms). */
  constructor(readonly windowMs = 5000) {}

  /** Records `value` of counter `key` at `at` (ms on a monotonic clock). */
  sample(key: string, value: number, at: number): void {
    let list = this.samples.get(key);
    if (list === undefined) {
      list = [];
      this.samples.set(key, list);
    }
    const last = list[list.length - 1];
    if (last !== undefined && at - last.at < MIN_GAP_MS) return;
    list.push({ at, value });
    // Keep the newest sample at or before the window's start, so a rate spans the whole window.
    while (list.length > 2 && (list[1]!.at <= at - this.windowMs || list.length > MAX_SAMPLES)) list.shift();
  }

  /**
   * The counter's growth per second over the window, taking `value` at `at` as the newest sample; 0 until
   * there is an earlier sample.
   */
  rate(key: string, value: number, at: number): number {
    this.sample(key, value, at);
    const oldest = this.samples.get(key)![0]!;
    const seconds = (at - oldest.at) / 1000;
    if (!(seconds > 0)) return 0;
    return Math.max(0, (value - oldest.value) / seconds);
  }
}
