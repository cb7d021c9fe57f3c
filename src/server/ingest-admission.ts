/**
 * Whether an ingest request (HTTP) or message (WebSocket) may proceed, before any of its records is looked at:
 * refused with 429 `backpressure` while processing lags more than `maxLag` records behind ingest (the server
 * cannot see the pipeline, so `lag()` is a callback), and with 429 `rate_limited` when a client (its API key,
 * or its IP address when the server runs open) sends more than `requestsPerSecond` — a token bucket that
 * holds one second's worth. Both carry `Retry-After` seconds; both are counted in
 * `sluice_ingest_throttled_total{reason}`.
 */
import { createHash } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { Counter, type Registry } from "prom-client";
import type { Clock } from "../core/clock.js";
import { type ErrorBody, errorBody } from "./api-error.js";
import { OPEN_PRINCIPAL } from "./api-keys.js";

export interface IngestAdmissionOptions {
  /** Records ingested but not yet processed, e.g. `() => log.endOffset("readings") - committedOffset()`. */
  readonly lag?: () => number;
  /** Largest `lag()` at which ingest is still admitted (default: no bound); above it, 429 `backpressure`. */
  readonly maxLag?: number;
  /** Ingest requests (or WebSocket messages) per client per second (default: no limit); above it, 429 `rate_limited`. */
  readonly requestsPerSecond?: number;
}

/** A refusal: the status is always 429; `retryAfter` in whole seconds, for the `Retry-After` header. */
export interface Refusal {
  readonly retryAfter: number;
  readonly body: ErrorBody;
}

export type ThrottleReason = "backpressure" | "rate_limited";

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before full (idle) ones are dropped, so many clients cannot grow memory without bound. */
const MAX_BUCKETS = 10_000;

/**
 * Admission for ingest, e.g. `const admission = new IngestAdmission({ requestsPerSecond: 100 }, clock, registry)`;
 * `admission.admit(clientId(key, ip))` is undefined when admitted, else the 429 to answer.
 */
export class IngestAdmission {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly throttled: Counter<"reason">;

  constructor(
    private readonly options: IngestAdmissionOptions,
    private readonly clock: Clock,
    registry: Registry,
  ) {
    const rate = options.requestsPerSecond;
    if (rate !== undefined && !(rate > 0 && Number.isFinite(rate))) {
      throw new RangeError(`requestsPerSecond must be a positive number, got ${rate}`);
    }
    const maxLag = options.maxLag;
    if (maxLag !== undefined && !(maxLag >= 0)) {
      throw new RangeError(`maxLag must be a number ≥ 0, got ${maxLag}`);
    }
    if (maxLag !== undefined && options.lag === undefined) {
      throw new RangeError("maxLag needs lag: a callback returning the records not yet processed");
    }
    this.rate = rate ?? 0;
    this.throttled = new Counter({
      name: "sluice_ingest_throttled_total",
      help: "Ingest requests and WebSocket messages refused with 429, by reason (backpressure or rate_limited).",
      labelNames: ["reason"],
      registers: [registry],
    });
  }

  /** Undefined when `client` may ingest now (taking one token), else why not and when to retry. */
  admit(client: string): Refusal | undefined {
    const { lag, maxLag } = this.options;
    if (lag !== undefined && maxLag !== undefined) {
      const behind = lag();
      if (behind > maxLag) {
        return this.refuse(
          "backpressure",
          1,
          `processing is ${behind} records behind ingest (limit ${maxLag}): retry later`,
          { lag: behind, maxLag },
        );
      }
    }
    if (this.rate === 0) return undefined;
    const now = this.clock.now();
    const capacity = Math.max(1, this.rate);
    let bucket = this.buckets.get(client);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_BUCKETS) this.dropIdle(now, capacity);
      bucket = { tokens: capacity, at: now };
      this.buckets.set(client, bucket);
    } else {
      bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * this.rate);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate));
    return this.refuse(
      "rate_limited",
      retryAfter,
      `over ${this.rate} ingest requests per second for this client: retry in ${retryAfter} s`,
      { requestsPerSecond: this.rate },
    );
  }

  private refuse(reason: ThrottleReason, retryAfter: number, message: string, details: unknown): Refusal {
    this.throttled.inc({ reason });
    return { retryAfter, body: errorBody(reason, message, details) };
  }

  /** Drops the buckets that have refilled (an unknown client starts full anyway), else the oldest half. */
  private dropIdle(now: number, capacity: number): void {
    for (const [client, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.rate >= capacity) this.buckets.delete(client);
    }
    if (this.buckets.size < MAX_BUCKETS) return;
    let n = this.buckets.size / 2;
    for (const client of this.buckets.keys()) {
      if (n-- <= 0) break;
      this.buckets.delete(client);
    }
  }
}

/**
 * Who a rate limit counts against: the API key the request presented (as a digest, so no secret is kept), or
 * its IP address when the server runs open (any key sent then is ignored, so rotating keys gains nothing),
 * e.g. `clientOf(request, presentedKey(request.headers))`.
 */
export function clientOf(request: FastifyRequest, key: string | undefined): string {
  return key === undefined || request.principal === OPEN_PRINCIPAL
    ? `ip:${request.ip}`
    : `key:${createHash("sha256").update(key, "utf8").digest("base64url")}`;
}
