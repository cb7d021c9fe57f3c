/**
 * The Nexmark event generator, following the nexmark/nexmark Flink generator (NexmarkGenerator and the
 * Person/Auction/Bid/Price/Strings generators): event kind by eventId % 50, ids that mostly refer to
 * existing people and auctions, hot auctions/sellers/bidders/channels, event time from a fixed rate.
 *
 * Deterministic: event N depends only on (seed, N) — the random stream is restarted per event — so
 * `seek(n)` is O(1) and gives exactly the events that generating from 0 and skipping n would.
 * Hot path (≥ 4M events/s is a requirement): no closures, no allocation besides each event object and
 * its sliced strings, and few random draws — one uint32 often serves two choices, 16 bits each.
 */
import { SluiceError } from "../core/errors.js";
import {
  AUCTION_ID_LEAD,
  AUCTION_PROPORTION,
  AVG_AUCTION_BYTE_SIZE,
  AVG_BID_BYTE_SIZE,
  AVG_PERSON_BYTE_SIZE,
  CHANNELS_NUMBER,
  FIRST_AUCTION_ID,
  FIRST_CATEGORY_ID,
  FIRST_PERSON_ID,
  type GeneratorConfig,
  HOT_AUCTION_BATCH,
  HOT_AUCTION_RATIO,
  HOT_BIDDER_BATCH,
  HOT_BIDDERS_RATIO,
  HOT_CHANNELS_RATIO,
  HOT_SELLER_BATCH,
  HOT_SELLERS_RATIO,
  MIN_STRING_LENGTH,
  type NexmarkGeneratorOptions,
  NUM_ACTIVE_PEOPLE,
  NUM_CATEGORIES,
  NUM_IN_FLIGHT_AUCTIONS,
  PERSON_ID_LEAD,
  PERSON_PROPORTION,
  resolveGeneratorConfig,
  TOTAL_PROPORTION,
  timestampForEvent,
} from "./generator-config.js";
import type { Auction, Bid, NexmarkEvent, Person } from "./model.js";
import { SeededRandom, streamKey } from "./seeded-random.js";
import { CHANNEL_NAMES, HOT_CHANNELS, PERSON_NAMES, TextPools, US_CITIES, US_STATES } from "./text-pools.js";

/** Events until NUM_IN_FLIGHT_AUCTIONS more auctions have been generated (Flink: numEventsForAuctions). */
const EVENTS_FOR_IN_FLIGHT_AUCTIONS = Math.floor(
  (NUM_IN_FLIGHT_AUCTIONS * TOTAL_PROPORTION) / AUCTION_PROPORTION,
);
const STREAM_EVENTS = 0;
const SPACE = 32;
const INV_2_POW_32 = 1 / 4294967296;

/** A uniform integer in [0, bound) from a uniform uint32 `u` (bound ≤ 2^21 keeps it exact). */
function below(u: number, bound: number): number {
  return Math.floor(u * bound * INV_2_POW_32);
}

/** A uniform integer in [0, bound) from 16 uniform bits `v` (for small bounds: bias ≤ bound / 2^16). */
function below16(v: number, bound: number): number {
  return (v * bound) >>> 16;
}

/** 100 · 10^(6x) for x = the top 11, middle 11 and low 10 bits of a uint32, each divided by 2^32. */
const PRICE_HIGH = powersOfTen(2048, 2 ** 21, 2);
const PRICE_MID = powersOfTen(2048, 2 ** 10, 0);
const PRICE_LOW = powersOfTen(1024, 1, 0);

function powersOfTen(length: number, step: number, exponentOffset: number): Float64Array {
  const table = new Float64Array(length);
  for (let i = 0; i < length; i++) table[i] = 10 ** ((6 * i * step) / 2 ** 32 + exponentOffset);
  return table;
}

/**
 * Generates Nexmark events in batches.
 * @example
 * const gen = new NexmarkGenerator({ seed: 42, events: 1_000_000 });
 * const events: NexmarkEvent[] = [], times: number[] = [];
 * while (gen.fill(events, times, 4096) > 0) { ...; events.length = 0; times.length = 0; }
 */
export class NexmarkGenerator {
  readonly config: GeneratorConfig;
  private nextEvent = 0;
  private readonly random = new SeededRandom();
  private readonly eventKey: number;
  private readonly pools: TextPools;
  private readonly text: string;
  private readonly letters: string;

  constructor(options: NexmarkGeneratorOptions = {}) {
    this.config = resolveGeneratorConfig(options);
    this.eventKey = streamKey(this.config.seed, STREAM_EVENTS);
    this.pools = new TextPools(this.config.seed);
    this.text = this.pools.text;
    this.letters = this.pools.letters;
  }

  /** Number of events produced (or skipped by `seek`) so far: the event number of the next event. */
  position(): number {
    return this.nextEvent;
  }

  /** Continues at event number `n` (clamped to the configured total), as if n events had been produced. */
  seek(n: number): void {
    if (!(Number.isSafeInteger(n) && n >= 0)) {
      throw new SluiceError(
        `nexmark generator cannot seek to ${String(n)}: expected a number of events ≥ 0`,
        "invalid_seek",
        { position: n },
      );
    }
    this.nextEvent = Math.min(n, this.config.events);
  }

  /** Appends up to `max` next events to `out` and their event times to `times`; returns how many (0 at the end). */
  fill(out: NexmarkEvent[], times: number[], max: number): number {
    const start = this.nextEvent;
    const end = Math.min(this.config.events, start + Math.max(0, Math.floor(max)));
    if (!(end > start)) return 0;
    const random = this.random;
    const key = this.eventKey;
    const baseTime = this.config.baseTime;
    const rate = this.config.eventsPerSecond;
    // Event ids equal event numbers (see generator-config for Flink's offsets). The id arithmetic of
    // lastBase0PersonId/lastBase0AuctionId is done incrementally from (epoch, rem) = divmod(id, 50).
    let epoch = Math.floor(start / TOTAL_PROPORTION);
    let rem = start - epoch * TOTAL_PROPORTION;
    for (let n = start; n < end; n++) {
      const t = baseTime + Math.floor((n * 1000) / rate); // = timestampForEvent(config, n)
      random.restart(key, n);
      if (rem >= PERSON_PROPORTION + AUCTION_PROPORTION) out.push(this.nextBid(epoch, t));
      else if (rem < PERSON_PROPORTION) out.push(this.nextPerson(epoch * PERSON_PROPORTION + rem, t));
      else out.push(this.nextAuction(epoch, epoch * AUCTION_PROPORTION + rem - PERSON_PROPORTION, n, t));
      times.push(t);
      if (++rem === TOTAL_PROPORTION) {
        rem = 0;
        epoch++;
      }
    }
    this.nextEvent = end;
    return end - start;
  }

  /** A bid in epoch `epoch` (= eventId / 50): after this epoch's person and auctions. */
  private nextBid(epoch: number, t: number): Bid {
    const random = this.random;
    const lastPerson = epoch * PERSON_PROPORTION + PERSON_PROPORTION - 1;
    const lastAuction = epoch * AUCTION_PROPORTION + AUCTION_PROPORTION - 1;
    const choices = random.nextU32();
    // P(hot auction) = 1 - 1/HOT_AUCTION_RATIO: the first auction of the last batch of HOT_AUCTION_BATCH.
    const auction =
      (below16(choices & 0xffff, HOT_AUCTION_RATIO) > 0
        ? Math.floor(lastAuction / HOT_AUCTION_BATCH) * HOT_AUCTION_BATCH
        : this.nextBase0AuctionId(lastAuction)) + FIRST_AUCTION_ID;
    // P(hot bidder) = 1 - 1/HOT_BIDDERS_RATIO: the second person of the batch, so it is not the hot seller.
    const bidder =
      (below16(choices >>> 16, HOT_BIDDERS_RATIO) > 0
        ? Math.floor(lastPerson / HOT_BIDDER_BATCH) * HOT_BIDDER_BATCH + 1
        : this.nextBase0PersonId(lastPerson)) + FIRST_PERSON_ID;
    const price = this.nextPrice();
    const channelChoice = random.nextU32();
    let channel: string;
    let url: string;
    if (below16(channelChoice & 0xffff, HOT_CHANNELS_RATIO) > 0) {
      const i = below16(channelChoice >>> 16, HOT_CHANNELS.length);
      channel = HOT_CHANNELS[i]!;
      url = this.pools.hotUrls[i]!;
    } else {
      const c = below(random.nextU32(), CHANNELS_NUMBER);
      channel = CHANNEL_NAMES[c]!;
      url = this.pools.channelUrl(c);
    }
    const extra = this.nextExtra(8 + 8 + 8 + 8, AVG_BID_BYTE_SIZE);
    return { type: "bid", auction, bidder, price, channel, url, dateTime: t, extra };
  }

  /** The person with base-0 id `base0Id`. */
  private nextPerson(base0Id: number, t: number): Person {
    const random = this.random;
    const choices = random.nextU32();
    const name = PERSON_NAMES[below16(choices & 0xffff, PERSON_NAMES.length)]!;
    const city = US_CITIES[below16(choices >>> 16, US_CITIES.length)]!;
    const emailAddress = `${this.nextString(7)}@${this.nextString(5)}.com`;
    const card = 5 * (random.nextU32() >>> 16);
    const creditCard = this.pools.cardDigits.slice(card, card + 19);
    const state = US_STATES[below(random.nextU32(), US_STATES.length)]!;
    const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    const extra = this.nextExtra(size, AVG_PERSON_BYTE_SIZE);
    const id = base0Id + FIRST_PERSON_ID;
    return { type: "person", id, name, emailAddress, creditCard, city, state, dateTime: t, extra };
  }

  /** The auction with base-0 id `base0Id`, event number `eventNumber`, in epoch `epoch`. */
  private nextAuction(epoch: number, base0Id: number, eventNumber: number, t: number): Auction {
    const random = this.random;
    const lastPerson = epoch * PERSON_PROPORTION + PERSON_PROPORTION - 1;
    const choices = random.nextU32();
    // P(hot seller) = 1 - 1/HOT_SELLERS_RATIO: the first person of the last batch of HOT_SELLER_BATCH people.
    const seller =
      (below16(choices & 0xffff, HOT_SELLERS_RATIO) > 0
        ? Math.floor(lastPerson / HOT_SELLER_BATCH) * HOT_SELLER_BATCH
        : this.nextBase0PersonId(lastPerson)) + FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + below16(choices >>> 16, NUM_CATEGORIES);
    const initialBid = this.nextPrice();
    const expires = t + this.nextAuctionLength(eventNumber, t);
    const itemName = this.nextString(20);
    const description = this.nextString(100);
    const reserve = initialBid + this.nextPrice();
    const size = 8 + itemName.length + description.length + 8 + 8 + 8 + 8 + 8;
    const extra = this.nextExtra(size, AVG_AUCTION_BYTE_SIZE);
    return {
      type: "auction",
      id: base0Id + FIRST_AUCTION_ID,
      itemName,
      description,
      initialBid,
      reserve,
      dateTime: t,
      expires,
      seller,
      category,
      extra,
    };
  }

  /** A random active person (base 0), possibly up to PERSON_ID_LEAD ids past `lastPerson`. */
  private nextBase0PersonId(lastPerson: number): number {
    const numPeople = lastPerson + 1;
    const activePeople = Math.min(numPeople, NUM_ACTIVE_PEOPLE);
    return numPeople - activePeople + below(this.random.nextU32(), activePeople + PERSON_ID_LEAD);
  }

  /** A random auction (base 0) likely still in flight, possibly up to AUCTION_ID_LEAD past `lastAuction`. */
  private nextBase0AuctionId(lastAuction: number): number {
    const minAuction = Math.max(lastAuction - NUM_IN_FLIGHT_AUCTIONS, 0);
    return minAuction + below(this.random.nextU32(), lastAuction - minAuction + 1 + AUCTION_ID_LEAD);
  }

  /** Auction length in ms, averaging the time until NUM_IN_FLIGHT_AUCTIONS more auctions exist. */
  private nextAuctionLength(eventNumber: number, t: number): number {
    const futureAuction = timestampForEvent(this.config, eventNumber + EVENTS_FOR_IN_FLIGHT_AUCTIONS);
    const horizon = futureAuction - t;
    return 1 + this.random.nextLong(Math.max(horizon * 2, 1));
  }

  /**
   * round(10^(6u) · 100) for uniform u: log-uniform prices from 1.00 to 1,000,000.00, in cents (Flink's
   * PriceGenerator). 10^(6u) for the 32 bits of u is a product of three table entries (Math.pow is slow).
   */
  private nextPrice(): number {
    const u = this.random.nextU32();
    return Math.round(PRICE_HIGH[u >>> 21]! * PRICE_MID[(u >>> 10) & 0x7ff]! * PRICE_LOW[u & 0x3ff]!);
  }

  /** Random text of MIN_STRING_LENGTH to maxLength − 1 characters, trimmed (Flink: nextString). */
  private nextString(maxLength: number): string {
    const u = this.random.nextU32();
    const len = MIN_STRING_LENGTH + below16(u & 0xffff, maxLength - MIN_STRING_LENGTH);
    const offset = u >>> 16;
    const s = this.text.slice(offset, offset + len);
    return s.charCodeAt(0) === SPACE || s.charCodeAt(len - 1) === SPACE ? s.trim() : s;
  }

  /**
   * Letters padding an event of `currentSize` bytes to `averageSize` on average: uniform length in
   * [0.8, 1.2) × (averageSize − currentSize) (Flink: nextExtra).
   */
  private nextExtra(currentSize: number, averageSize: number): string {
    if (currentSize > averageSize) return "";
    const desired = averageSize - currentSize;
    const delta = Math.round(desired * 0.2);
    const u = this.random.nextU32();
    const size = desired - delta + (delta === 0 ? 0 : below16(u & 0xffff, 2 * delta));
    const offset = u >>> 16;
    return this.letters.slice(offset, offset + size);
  }
}
