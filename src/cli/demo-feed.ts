/**
 * The demo's clients: generators that POST NDJSON batches to a server's ingest route, several times a second,
 * at a total rate shared between streams. Event times follow the clock, with a mix of the imperfections real
 * feeds have: records out of order (within the pipelines' maxOutOfOrderness), records too late for their
 * windows, and invalid records (a field missing or of the wrong type) that the server rejects to the DLQ.
 */

import { SeededRandom } from "../connectors/generator-source.js";
import type { Clock } from "../core/clock.js";
import { FeedClient } from "./demo-feed-client.js";

/** Makes record number `index` at event time `now` (the contract of generatorSource's `make`). */
export type RecordMaker<T> = (index: number, random: SeededRandom, now: number) => T;

/** One stream fed by a generator. */
export interface FeedSpec {
  readonly stream: string;
  /** This stream's share of the total rate (the shares add up to 1). */
  readonly share: number;
  readonly make: RecordMaker<unknown>;
  /** Fields the stream's schema requires: an invalid record may lack one. */
  readonly required: readonly string[];
  /** The field holding the event time. */
  readonly timeField: string;
}

/** How many records are imperfect, and how. */
export interface FeedMix {
  /** Share of records moved back in time by up to `maxDisorderMs` (default 0.2). */
  readonly outOfOrder: number;
  /** Default 2500: under the demo pipelines' maxOutOfOrderness of 3 s, so these are never late. */
  readonly maxDisorderMs: number;
  /** Share of records 70–120 s behind: too late for any window, so they go to the DLQ (default 0.01). */
  readonly late: number;
  /** Share of records with a field missing or of the wrong type (default 0.01). */
  readonly invalid: number;
}

export interface FeedStats {
  /** Records sent, and what the server answered. */
  sent: number;
  accepted: number;
  rejected: number;
  /** Records made late or invalid on purpose. */
  madeLate: number;
  madeInvalid: number;
  /** Records of the history the feeder started with (`historyMs`), sent in the first batches. */
  history: number;
  /** Requests that failed (network error or an unexpected status); their records are sent again. */
  failedRequests: number;
  lastError: string | undefined;
}

export interface HttpFeederOptions {
  /** The server's base url, e.g. http://127.0.0.1:8080 or https://127.0.0.1:8443 */
  readonly url: string;
  /** For an https url: the PEM certificate the server presents (the demo's --tls-cert), the one trusted. */
  readonly certificate?: Buffer;
  readonly feeds: readonly FeedSpec[];
  /** Records per second over all feeds. */
  readonly ratePerSecond: number;
  readonly clock: Clock;
  readonly seed?: number;
  /** Sent as `Authorization: Bearer <key>` when the server requires keys. */
  readonly apiKey?: string;
  readonly mix?: Partial<FeedMix>;
  /** Milliseconds between batches of each stream (default 200). */
  readonly batchIntervalMs?: number;
  /**
   * Start with this many milliseconds of recent history (default 0): the first batch of each stream carries
   * the records of that span at once, event times from now − historyMs on, so windows close right away.
   */
  readonly historyMs?: number;
}

/** Records of one stream kept for resending while requests fail. */
const MAX_UNSENT = 50_000;

const DEFAULT_MIX: FeedMix = { outOfOrder: 0.2, maxDisorderMs: 2500, late: 0.01, invalid: 0.01 };

interface FeedState {
  readonly spec: FeedSpec;
  readonly random: SeededRandom;
  made: number;
  /** Event time of the last record made. */
  lastTime: number;
  /** Records of a failed request, sent again first. */
  unsent: string[];
  inFlight: Promise<void> | undefined;
}

/** e.g. `const feeder = new HttpFeeder({ url, feeds, ratePerSecond: 500, clock }); feeder.start(); … await feeder.stop();` */
export class HttpFeeder {
  readonly stats: FeedStats = {
    sent: 0,
    accepted: 0,
    rejected: 0,
    madeLate: 0,
    madeInvalid: 0,
    history: 0,
    failedRequests: 0,
    lastError: undefined,
  };
  private readonly mix: FeedMix;
  private readonly states: FeedState[];
  private readonly interval: number;
  private readonly client: FeedClient;
  private started = 0;
  private cancelTick: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: HttpFeederOptions) {
    this.mix = { ...DEFAULT_MIX, ...options.mix };
    this.interval = options.batchIntervalMs ?? 200;
    this.client = new FeedClient(options.url, { apiKey: options.apiKey, certificate: options.certificate });
    const seed = options.seed ?? 1;
    this.states = options.feeds.map((spec, i) => ({
      spec,
      random: new SeededRandom(seed * 1009 + i),
      made: 0,
      lastTime: 0,
      unsent: [],
      inFlight: undefined,
    }));
  }

  start(): void {
    const historyMs = this.options.historyMs ?? 0;
    this.started = this.options.clock.now() - historyMs;
    for (const { spec } of this.states) {
      this.stats.history += Math.floor((historyMs / 1000) * this.options.ratePerSecond * spec.share);
    }
    for (const state of this.states) state.lastTime = this.started;
    this.tick();
  }

  /** Resolves once the requests in flight have been answered (for tests on a manual clock). */
  async settled(): Promise<void> {
    await Promise.all(this.states.map((s) => s.inFlight));
  }

  /** Stops making records, waits for the requests in flight and closes the connections. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTick?.();
    await Promise.all(this.states.map((s) => s.inFlight));
    this.client.close();
  }

  private tick(): void {
    if (this.stopped) return;
    const now = this.options.clock.now();
    for (const state of this.states) {
      if (state.inFlight !== undefined) continue; // the server is slow: this stream's records wait for the next tick
      const due = Math.floor(((now - this.started) / 1000) * this.options.ratePerSecond * state.spec.share);
      const lines = state.unsent;
      state.unsent = [];
      const n = Math.max(0, due - state.made);
      for (let k = 0; k < n; k++) {
        lines.push(
          JSON.stringify(this.record(state, state.lastTime + ((now - state.lastTime) * (k + 1)) / n)),
        );
      }
      if (n > 0) state.lastTime = now;
      if (lines.length > 0) {
        state.inFlight = this.post(state, lines).finally(() => {
          state.inFlight = undefined;
        });
      }
    }
    this.cancelTick = this.options.clock.schedule(this.interval, () => this.tick());
  }

  /** The next record of a feed at about event time `at`, made imperfect as the mix says. */
  private record(state: FeedState, at: number): unknown {
    const random = state.random;
    const { spec } = state;
    const record = spec.make(state.made++, random, Math.floor(at)) as Record<string, unknown>;
    const roll = random.next();
    if (roll < this.mix.late) {
      record[spec.timeField] = Math.floor(at) - 70_000 - random.int(50_000);
      this.stats.madeLate++;
    } else if (roll < this.mix.late + this.mix.outOfOrder) {
      record[spec.timeField] = Math.floor(at) - random.int(this.mix.maxDisorderMs);
    }
    if (random.next() < this.mix.invalid) {
      this.stats.madeInvalid++;
      corrupt(record, spec.required, random);
    }
    return record;
  }

  private async post(state: FeedState, lines: string[]): Promise<void> {
    const stats = this.stats;
    try {
      const reply = await this.client.post(
        `/v1/streams/${encodeURIComponent(state.spec.stream)}/events`,
        `${lines.join("\n")}\n`,
      );
      const body = (reply.body ?? {}) as {
        accepted?: number;
        rejected?: number;
        error?: { message?: string };
      };
      if (reply.status !== 200 && reply.status !== 422) {
        throw new Error(`${reply.status} ${body.error?.message ?? ""}`.trim());
      }
      stats.sent += lines.length;
      stats.accepted += body.accepted ?? 0;
      stats.rejected += body.rejected ?? 0;
    } catch (error) {
      stats.failedRequests++;
      stats.lastError = `POST ${state.spec.stream}: ${(error as Error).message}`;
      // Sent again with the next batch; while the server is away, at most MAX_UNSENT records wait.
      if (!this.stopped) state.unsent = lines.concat(state.unsent).slice(-MAX_UNSENT);
    }
  }
}

/** Breaks a record as a faulty client would: drops a required field, or gives a field a value of the wrong type. */
function corrupt(record: Record<string, unknown>, required: readonly string[], random: SeededRandom): void {
  if (required.length > 0 && random.next() < 0.4) {
    delete record[required[random.int(required.length)]!];
    return;
  }
  const fields = Object.keys(record);
  const field = fields[random.int(fields.length)]!;
  const value = record[field];
  record[field] = typeof value === "number" ? "n/a" : typeof value === "string" ? 404 : "yes";
}
