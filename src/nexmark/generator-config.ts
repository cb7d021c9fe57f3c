/**
 * Options and constants of the Nexmark generator, and the id/time arithmetic that follows from them. The
 * constants are those of the nexmark/nexmark Flink generator (NexmarkConfiguration, GeneratorConfig and
 * the Person/Auction/Bid generators); the functions mirror GeneratorConfig.timestampForEvent,
 * PersonGenerator.lastBase0PersonId and AuctionGenerator.lastBase0AuctionId.
 *
 * Event ids equal event numbers and start at 0: event 0 is person 1000 at baseTime, events 1–3 are
 * auctions 1000–1002, events 4–49 bids. (Flink's table source passes firstEventId = firstEventNumber = 1,
 * so its first event has id 2, an auction; the sequence is otherwise the same.)
 */
import { SluiceError } from "../core/errors.js";

/** Seed used when none is given. */
export const DEFAULT_SEED = 42;
/** Event time of event 0 when none is given: 2024-01-01T00:00:00Z (1704067200000). */
export const DEFAULT_BASE_TIME = Date.UTC(2024, 0, 1);
/** Events per second of event time when no rate is given (Flink's firstEventRate). */
export const DEFAULT_EVENTS_PER_SECOND = 10_000;

/** Out of every TOTAL_PROPORTION consecutive event ids, this many are people, auctions, bids. */
export const PERSON_PROPORTION = 1;
export const AUCTION_PROPORTION = 3;
export const BID_PROPORTION = 46;
export const TOTAL_PROPORTION = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;

/** First ids handed out, so small data sets still find matches. */
export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
export const NUM_CATEGORIES = 5;

/** A random person/auction may be up to this many ids past the last one generated ("leads"). */
export const PERSON_ID_LEAD = 10;
export const AUCTION_ID_LEAD = 10;

/** P(bid is on a hot auction) = 1 − 1/HOT_AUCTION_RATIO (NexmarkConfiguration.hotAuctionRatio). */
export const HOT_AUCTION_RATIO = 2;
/** P(auction is by a hot seller) = 1 − 1/HOT_SELLERS_RATIO (NexmarkConfiguration.hotSellersRatio). */
export const HOT_SELLERS_RATIO = 4;
/** P(bid is by a hot bidder) = 1 − 1/HOT_BIDDERS_RATIO (NexmarkConfiguration.hotBiddersRatio). */
export const HOT_BIDDERS_RATIO = 4;
/** The hot auction/seller/bidder is the first (bidder: second) of each batch of this many ids. */
export const HOT_AUCTION_BATCH = 100;
export const HOT_SELLER_BATCH = 100;
export const HOT_BIDDER_BATCH = 100;
/** P(bid comes through a hot channel) = 1 − 1/HOT_CHANNELS_RATIO; other bids use one of CHANNELS_NUMBER. */
export const HOT_CHANNELS_RATIO = 2;
export const CHANNELS_NUMBER = 10_000;

/** Average number of auctions in flight, and of people active as sellers/bidders. */
export const NUM_IN_FLIGHT_AUCTIONS = 100;
export const NUM_ACTIVE_PEOPLE = 1000;

/** Average idealised byte size of each event kind; `extra` pads events up to it. */
export const AVG_PERSON_BYTE_SIZE = 200;
export const AVG_AUCTION_BYTE_SIZE = 500;
export const AVG_BID_BYTE_SIZE = 100;
/** Shortest random string (item names, descriptions, email parts). */
export const MIN_STRING_LENGTH = 3;

/** Options of `new NexmarkGenerator(options)`, e.g. `{ seed: 7, events: 1_000_000 }`. */
export interface NexmarkGeneratorOptions {
  /** Any safe integer; the same seed gives the same events. Default DEFAULT_SEED. */
  seed?: number;
  /** Event time (epoch ms) of event 0. Default DEFAULT_BASE_TIME. */
  baseTime?: number;
  /** Events per second of event time (not of wall-clock time). Default 10,000. */
  eventsPerSecond?: number;
  /** Total number of events; unbounded when omitted. */
  events?: number;
}

/** Options with every default filled in. */
export interface GeneratorConfig {
  readonly seed: number;
  readonly baseTime: number;
  readonly eventsPerSecond: number;
  /** Total number of events, or Infinity. */
  readonly events: number;
  /** 1e6 / eventsPerSecond: event time between two events, in microseconds. */
  readonly interEventDelayMicros: number;
}

/** Fills in defaults and checks the options, e.g. `resolveGeneratorConfig({ events: 10 }).seed === 42`. */
export function resolveGeneratorConfig(options: NexmarkGeneratorOptions = {}): GeneratorConfig {
  const seed = options.seed ?? DEFAULT_SEED;
  const baseTime = options.baseTime ?? DEFAULT_BASE_TIME;
  const eventsPerSecond = options.eventsPerSecond ?? DEFAULT_EVENTS_PER_SECOND;
  const events = options.events ?? Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(seed)) invalid("seed", seed, "a safe integer");
  if (!Number.isSafeInteger(baseTime)) invalid("baseTime", baseTime, "an integer epoch-millisecond time");
  if (!(eventsPerSecond > 0 && Number.isFinite(eventsPerSecond))) {
    invalid("eventsPerSecond", eventsPerSecond, "a positive number");
  }
  if (!(events === Number.POSITIVE_INFINITY || (Number.isSafeInteger(events) && events >= 0))) {
    invalid("events", events, "a non-negative integer");
  }
  return { seed, baseTime, eventsPerSecond, events, interEventDelayMicros: 1_000_000 / eventsPerSecond };
}

function invalid(option: string, value: unknown, expected: string): never {
  throw new SluiceError(
    `nexmark generator option "${option}" is ${String(value)}; it must be ${expected}`,
    "invalid_nexmark_option",
    { option, value },
  );
}

/**
 * Event time of event number `n`: baseTime + floor(n × interEventDelayMicros / 1000), as Flink's
 * GeneratorConfig.timestampForEvent, computed as floor(n × 1000 / eventsPerSecond) so that no rounding of
 * 1e6 / eventsPerSecond creeps in (Flink, at 3 events/s, puts event 114 at 37,999 ms; this at 38,000 ms).
 * E.g. at 10,000 events/s event 25 is at baseTime + 2.
 */
export function timestampForEvent(config: GeneratorConfig, n: number): number {
  return config.baseTime + Math.floor((n * 1000) / config.eventsPerSecond);
}

/** The last person id (base 0) generated at or before event id `eventId`: the current one for a person. */
export function lastBase0PersonId(eventId: number): number {
  const epoch = Math.floor(eventId / TOTAL_PROPORTION);
  let offset = eventId - epoch * TOTAL_PROPORTION;
  if (offset >= PERSON_PROPORTION) offset = PERSON_PROPORTION - 1;
  return epoch * PERSON_PROPORTION + offset;
}

/** The last auction id (base 0) generated at or before event id `eventId`: the current one for an auction. */
export function lastBase0AuctionId(eventId: number): number {
  let epoch = Math.floor(eventId / TOTAL_PROPORTION);
  let offset = eventId - epoch * TOTAL_PROPORTION;
  if (offset < PERSON_PROPORTION) {
    // A person: the last auction is the last one of the previous epoch.
    epoch--;
    offset = AUCTION_PROPORTION - 1;
  } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
    // A bid: the last auction is the last one of this epoch.
    offset = AUCTION_PROPORTION - 1;
  } else {
    offset -= PERSON_PROPORTION;
  }
  return epoch * AUCTION_PROPORTION + offset;
}

/** Kind of the event with id `eventId`: 0 person, 1–3 auction, 4–49 bid (of eventId % 50). */
export function eventKind(eventId: number): "person" | "auction" | "bid" {
  const rem = eventId % TOTAL_PROPORTION;
  if (rem < PERSON_PROPORTION) return "person";
  if (rem < PERSON_PROPORTION + AUCTION_PROPORTION) return "auction";
  return "bid";
}
