import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { NexmarkGenerator } from "./generator.js";
import type { Auction, Bid, NexmarkEvent, Person } from "./model.js";
import { eventToJson, NdjsonEncoder } from "./ndjson.js";

function generated(count: number): NexmarkEvent[] {
  const events: NexmarkEvent[] = [];
  new NexmarkGenerator({ events: count, seed: 3 }).fill(events, [], count);
  return events;
}

const bid: Bid = {
  type: "bid",
  auction: 1000,
  bidder: 1001,
  price: 12345,
  channel: "Google",
  url: "https://www.nexmark.com/a/b/c/item.htm?query=1",
  dateTime: 1704067200000,
  extra: "abc",
};

/** Strings and numbers JSON.stringify treats specially. */
const tricky: NexmarkEvent[] = [
  { ...bid, extra: 'quote " and backslash \\' },
  { ...bid, channel: "tab\tnewline\ncontrol\u0001\u001f del\u007f" },
  { ...bid, url: "ünïcødé ✓ 😀 and a lone surrogate \ud800 and \udc00" },
  { ...bid, price: -5, auction: 1.5, bidder: 2 ** 60, dateTime: Number.NaN },
  {
    ...bid,
    price: Number.POSITIVE_INFINITY,
    auction: -0,
    bidder: Number.MAX_SAFE_INTEGER,
    dateTime: 2 ** 31,
  },
  {
    type: "person",
    id: 1,
    name: "",
    emailAddress: "a@b.com",
    creditCard: "",
    city: "Los Angeles",
    state: "CA",
    dateTime: 0,
    extra: "",
  },
];

function stringified(events: readonly NexmarkEvent[]): string {
  return events.map((e) => `${JSON.stringify(e)}\n`).join("");
}

describe("NDJSON encoding", () => {
  const events = generated(30_000);

  it("eventToJson equals JSON.stringify for generated events, in model field order", () => {
    for (const e of events) assert.equal(eventToJson(e), JSON.stringify(e));
    const person = events.find((e): e is Person => e.type === "person")!;
    const auction = events.find((e): e is Auction => e.type === "auction")!;
    assert.deepEqual(Object.keys(JSON.parse(eventToJson(person))), [
      "type",
      "id",
      "name",
      "emailAddress",
      "creditCard",
      "city",
      "state",
      "dateTime",
      "extra",
    ]);
    assert.deepEqual(Object.keys(JSON.parse(eventToJson(auction))), [
      "type",
      "id",
      "itemName",
      "description",
      "initialBid",
      "reserve",
      "dateTime",
      "expires",
      "seller",
      "category",
      "extra",
    ]);
  });

  it("eventToJson equals JSON.stringify for strings and numbers that need care", () => {
    for (const e of tricky) assert.equal(eventToJson(e), JSON.stringify(e));
  });

  it("NdjsonEncoder writes one JSON.stringify line per event, across chunks and groups with escapes", () => {
    const mixed = [...events.slice(0, 1000), ...tricky, ...events.slice(1000, 3000), tricky[0]!];
    const encoder = new NdjsonEncoder(4096);
    const chunks: Buffer[] = [];
    for (let i = 0; i < mixed.length; i += 700) {
      const batch = mixed.slice(i, i + 700);
      encoder.writeBatch(batch, batch.length);
      chunks.push(encoder.take());
    }
    encoder.write(bid);
    chunks.push(encoder.take());
    assert.equal(Buffer.concat(chunks).toString("utf8"), stringified([...mixed, bid]));
    assert.equal(encoder.byteLength, 0);
  });

  it("equals JSON.stringify for arbitrary strings and numbers (property)", () => {
    const anyNumber = fc.oneof(fc.integer(), fc.double(), fc.maxSafeNat());
    const anyString = fc.string({
      unit: fc.constantFrom("a", "é", '"', "\\", "\n", "\u0000", "😀", "\ud800", " "),
    });
    fc.assert(
      fc.property(anyNumber, anyNumber, anyString, anyString, (price, dateTime, channel, extra) => {
        const e: Bid = { ...bid, price, dateTime, channel, extra };
        assert.equal(eventToJson(e), JSON.stringify(e));
        const encoder = new NdjsonEncoder(64);
        encoder.writeBatch([bid, e], 2);
        assert.equal(encoder.takeString(), stringified([bid, e]));
      }),
      { numRuns: 300 },
    );
  });
});
