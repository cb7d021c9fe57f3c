import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SluiceError } from "../core/errors.js";
import { NexmarkGenerator } from "./generator.js";
import {
  DEFAULT_BASE_TIME,
  DEFAULT_SEED,
  eventKind,
  lastBase0AuctionId,
  lastBase0PersonId,
  type NexmarkGeneratorOptions,
} from "./generator-config.js";
import type { Auction, Bid, NexmarkEvent, Person } from "./model.js";

function generate(options: NexmarkGeneratorOptions, count: number, seekTo = 0) {
  const generator = new NexmarkGenerator({ ...options, events: seekTo + count });
  generator.seek(seekTo);
  const events: NexmarkEvent[] = [];
  const times: number[] = [];
  while (generator.fill(events, times, 1000) > 0) {}
  return { events, times, generator };
}

const sample = generate({}, 20_000);
const bids = sample.events.filter((e): e is Bid => e.type === "bid");
const auctions = sample.events.filter((e): e is Auction => e.type === "auction");
const people = sample.events.filter((e): e is Person => e.type === "person");

describe("NexmarkGenerator", () => {
  it("gives the same events for the same seed and different ones for another seed", () => {
    assert.deepEqual(generate({ seed: DEFAULT_SEED }, 20_000).events, sample.events);
    assert.deepEqual(generate({}, 20_000).times, sample.times);
    const other = generate({ seed: 7 }, 2_000).events;
    const differing = other.filter((e, i) => JSON.stringify(e) !== JSON.stringify(sample.events[i]));
    assert.ok(differing.length > 1_900, `only ${differing.length} of 2000 events differ`);
  });

  it("chooses the event kind by eventId % 50: 0 person, 1–3 auction, 4–49 bid", () => {
    sample.events.forEach((e, n) => {
      const rem = n % 50;
      assert.equal(e.type, rem === 0 ? "person" : rem < 4 ? "auction" : "bid", `event ${n}`);
      assert.equal(eventKind(n), e.type);
    });
    assert.equal(people.length, 400);
    assert.equal(auctions.length, 1_200);
    assert.equal(bids.length, 18_400);
  });

  it("numbers people and auctions consecutively from 1000", () => {
    assert.deepEqual(
      people.map((p) => p.id),
      people.map((_, i) => 1000 + i),
    );
    assert.deepEqual(
      auctions.map((a) => a.id),
      auctions.map((_, i) => 1000 + i),
    );
    sample.events.forEach((e, n) => {
      if (e.type === "person") assert.equal(e.id, 1000 + lastBase0PersonId(n));
      if (e.type === "auction") assert.equal(e.id, 1000 + lastBase0AuctionId(n));
    });
  });

  it("refers to people and auctions that exist or are about to (at most 10 ids ahead)", () => {
    sample.events.forEach((e, n) => {
      const lastPerson = 1000 + lastBase0PersonId(n);
      const lastAuction = 1000 + lastBase0AuctionId(n);
      if (e.type === "bid") {
        assert.ok(
          e.auction >= Math.max(1000, lastAuction - 100) && e.auction <= lastAuction + 10,
          `bid ${n}`,
        );
        assert.ok(e.bidder >= Math.max(1000, lastPerson - 1000) && e.bidder <= lastPerson + 10, `bid ${n}`);
        assert.ok(e.price >= 100 && e.price <= 100_000_000 && Number.isInteger(e.price));
      } else if (e.type === "auction") {
        assert.ok(
          e.seller >= Math.max(1000, lastPerson - 1000) && e.seller <= lastPerson + 10,
          `auction ${n}`,
        );
        assert.ok(e.category >= 10 && e.category <= 14);
        assert.ok(e.initialBid >= 100 && e.reserve >= e.initialBid + 100);
        assert.ok(e.expires > e.dateTime);
      }
    });
    assert.deepEqual(new Set(auctions.map((a) => a.category)), new Set([10, 11, 12, 13, 14]));
  });

  it("makes most bids on hot auctions and by hot bidders, and most auctions by hot sellers", () => {
    const share = <T>(xs: T[], hot: (x: T) => boolean) => xs.filter(hot).length / xs.length;
    const hotAuctions = share(bids, (b) => (b.auction - 1000) % 100 === 0);
    const hotBidders = share(bids, (b) => (b.bidder - 1000) % 100 === 1);
    const hotSellers = share(auctions, (a) => (a.seller - 1000) % 100 === 0);
    const hotChannels = share(bids, (b) => ["Google", "Facebook", "Baidu", "Apple"].includes(b.channel));
    // Flink: P(hot) = 1 − 1/2 for auctions, 1 − 1/4 for bidders and sellers, 1 − 1/2 for channels.
    assert.ok(hotAuctions > 0.47 && hotAuctions < 0.56, `hot auction share ${hotAuctions}`);
    assert.ok(hotBidders > 0.72 && hotBidders < 0.8, `hot bidder share ${hotBidders}`);
    assert.ok(hotSellers > 0.68 && hotSellers < 0.82, `hot seller share ${hotSellers}`);
    assert.ok(hotChannels > 0.47 && hotChannels < 0.53, `hot channel share ${hotChannels}`);
  });

  it("fills strings like the Flink generator", () => {
    for (const p of people) {
      assert.match(p.name, /^[A-Z][a-z]+ [A-Z][a-z]+$/);
      assert.match(p.emailAddress, /^[a-z ]*@[a-z ]*\.com$/);
      assert.match(p.creditCard, /^\d{4} \d{4} \d{4} \d{4}$/);
      assert.ok(["AZ", "CA", "ID", "OR", "WA", "WY"].includes(p.state));
    }
    for (const a of auctions) {
      assert.ok(a.itemName.length <= 19 && a.description.length <= 99);
      assert.equal(a.itemName, a.itemName.trim());
    }
    for (const b of bids) {
      assert.match(
        b.url,
        /^https:\/\/www\.nexmark\.com\/[a-z_]+\/[a-z_]+\/[a-z_]+\/item\.htm\?query=1(&channel_id=\d+)?$/,
      );
      assert.match(b.channel, /^(Google|Facebook|Baidu|Apple|channel-\d{1,4})$/);
      assert.match(b.extra, /^[a-z]{54,81}$/);
    }
    // `extra` pads events to Flink's average sizes (person 200, auction 500, bid 100 "bytes").
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(mean(bids.map((b) => b.extra.length)) - 68) < 1);
    assert.ok(
      Math.abs(
        mean(auctions.map((a) => 48 + a.itemName.length + a.description.length + a.extra.length)) - 500,
      ) < 8,
    );
  });

  it("gives event n the time baseTime + floor(n × 1000 / rate), non-decreasing", () => {
    sample.events.forEach((e, n) => {
      assert.equal(e.dateTime, DEFAULT_BASE_TIME + Math.floor(n / 10));
      assert.equal(sample.times[n], e.dateTime);
    });
    const slow = generate({ baseTime: 5_000, eventsPerSecond: 3 }, 200);
    slow.events.forEach((e, n) => {
      assert.equal(e.dateTime, 5_000 + Math.floor((n * 1000) / 3));
    });
    assert.equal(slow.events[114]!.dateTime, 5_000 + 38_000);
    for (let i = 1; i < slow.times.length; i++) assert.ok(slow.times[i]! > slow.times[i - 1]!);
  });

  it("seek(n) gives exactly the events of generating from 0 and skipping n", () => {
    assert.deepEqual(generate({}, 20_000 - 7_777, 7_777).events, sample.events.slice(7_777));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 19_000 }), fc.integer({ min: 0, max: 1_000 }), (n, k) => {
        const { events, times, generator } = generate({}, k, n);
        assert.deepEqual(events, sample.events.slice(n, n + k));
        assert.deepEqual(times, sample.times.slice(n, n + k));
        assert.equal(generator.position(), n + k);
      }),
      { numRuns: 40 },
    );
    // Far positions work as well (ids and times keep following the formulas).
    const far = generate({}, 100, 9_000_000_000).events;
    assert.equal(far[0]!.type, "person");
    assert.equal((far[0] as Person).id, 1000 + 9_000_000_000 / 50);
    assert.equal(far[0]!.dateTime, DEFAULT_BASE_TIME + 900_000_000);
  });

  it("fills at most `max` events, counts its position and returns 0 at the end", () => {
    const generator = new NexmarkGenerator({ events: 10 });
    const out: NexmarkEvent[] = [];
    const times: number[] = [];
    assert.equal(generator.fill(out, times, 0), 0);
    assert.equal(generator.fill(out, times, 4), 4);
    assert.equal(generator.position(), 4);
    assert.equal(generator.fill(out, times, 100), 6);
    assert.equal(generator.fill(out, times, 100), 0);
    assert.equal(out.length, 10);
    assert.equal(times.length, 10);
    generator.seek(50);
    assert.equal(generator.position(), 10, "seek is clamped to the number of events");
  });

  it("rejects bad options and positions with errors naming them", () => {
    assert.throws(
      () => new NexmarkGenerator({ seed: 1.5 }),
      (e: unknown) => e instanceof SluiceError && /seed/.test(e.message),
    );
    assert.throws(() => new NexmarkGenerator({ eventsPerSecond: 0 }), /eventsPerSecond/);
    assert.throws(() => new NexmarkGenerator({ events: -1 }), /events/);
    assert.throws(() => new NexmarkGenerator({ baseTime: Number.NaN }), /baseTime/);
    assert.throws(() => new NexmarkGenerator().seek(-3), /seek/);
  });
});
