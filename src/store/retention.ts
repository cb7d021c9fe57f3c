/**
 * Stream retention: deletes the oldest records of configured streams in the stream log, by age (ingest time),
 * record count and byte size, on a schedule of the injected clock and on demand. Deletion always removes a
 * prefix of a stream and never renumbers offsets; a reader behind the new start skips to the first retained
 * record. Streams without a setting keep everything.
 */
import type { Clock } from "../core/clock.js";
import { type Duration, toMillis } from "../core/duration.js";
import type { RetentionPolicy, StreamLog } from "./stream-log.js";

/** How much of one stream to keep; a record goes once any limit is exceeded. */
export interface StreamRetention {
  /** Delete records ingested longer ago than this, e.g. "7d" (by the ingest time given to `append`). */
  readonly maxAge?: Duration;
  /** Keep at most this many of the newest records. */
  readonly maxRecords?: number;
  /** Keep at most this many bytes of the newest records (UTF-8 of their JSON, as `StreamLog.streams()` counts). */
  readonly maxBytes?: number;
}

/** What one pass deleted from one stream. */
export interface RetentionResult {
  readonly stream: string;
  readonly deleted: number;
}

export interface RetentionEnforcerOptions {
  /** Gets errors of scheduled passes (default: rethrown asynchronously, as an uncaught exception). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Applies retention settings to a stream log, e.g.
 * `const r = new RetentionEnforcer(store.log, { clicks: { maxAge: "7d", maxBytes: 1e9 } }, clock); r.start(60_000)`.
 */
export class RetentionEnforcer {
  private readonly policies: Array<[string, RetentionPolicy]> = [];
  private readonly onError: (error: unknown) => void;
  private cancel: (() => void) | undefined;

  constructor(
    private readonly log: StreamLog,
    streams: Readonly<Record<string, StreamRetention>> | ReadonlyMap<string, StreamRetention>,
    private readonly clock: Clock,
    options: RetentionEnforcerOptions = {},
  ) {
    const entries = streams instanceof Map ? [...streams] : Object.entries(streams);
    for (const [stream, settings] of entries) this.policies.push([stream, retentionPolicy(stream, settings)]);
    this.onError =
      options.onError ??
      ((error) =>
        queueMicrotask(() => {
          throw error;
        }));
  }

  /** Applies every stream's retention now; returns what it deleted per configured stream, e.g. `r.applyNow()`. */
  applyNow(): RetentionResult[] {
    const now = this.clock.now();
    return this.policies.map(([stream, policy]) => ({
      stream,
      deleted: this.log.applyRetention(stream, policy, now),
    }));
  }

  /**
   * Applies retention every `interval` of the clock (the first pass one interval from now; call `applyNow()` to
   * apply at once), e.g. `r.start("1m")`. Starting again replaces the schedule.
   */
  start(interval: Duration): void {
    const ms = toMillis(interval, "retention interval");
    if (ms <= 0) throw new RangeError("retention interval must be more than 0 ms");
    this.stop();
    const tick = () => {
      this.cancel = this.clock.schedule(ms, tick);
      try {
        this.applyNow();
      } catch (error) {
        this.onError(error);
      }
    };
    this.cancel = this.clock.schedule(ms, tick);
  }

  /** Stops the schedule started by `start` (a pass in progress finishes). */
  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }
}

/** Checks one stream's settings and turns them into the log's policy; throws a RangeError naming the stream. */
export function retentionPolicy(stream: string, settings: StreamRetention): RetentionPolicy {
  const what = `retention of ${JSON.stringify(stream)}`;
  for (const field of ["maxRecords", "maxBytes"] as const) {
    const value = settings[field];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      throw new RangeError(`${what}: ${field} must be an integer ≥ 0, got ${value}`);
    }
  }
  return {
    ...(settings.maxAge === undefined ? {} : { maxAgeMs: toMillis(settings.maxAge, `${what}: maxAge`) }),
    ...(settings.maxRecords === undefined ? {} : { maxRecords: settings.maxRecords }),
    ...(settings.maxBytes === undefined ? {} : { maxBytes: settings.maxBytes }),
  };
}
