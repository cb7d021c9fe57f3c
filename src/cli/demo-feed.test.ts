import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../core/clock.js";
import { defineStream } from "../server/index.js";
import { startTestServer } from "../server/server-fixture.js";
import { HttpFeeder } from "./demo-feed.js";

const T0 = Date.UTC(2026, 10, 1);

const streams = [
  defineStream({
    name: "a",
    schema: {
      type: "object",
      required: ["id", "n", "ts"],
      properties: { id: { type: "string" }, n: { type: "number" }, ts: { type: "integer" } },
    },
    eventTime: "ts",
  }),
  defineStream({
    name: "b",
    schema: {
      type: "object",
      required: ["ok", "ts"],
      properties: { ok: { type: "boolean" }, ts: { type: "integer" } },
    },
    eventTime: "ts",
  }),
];

describe("HttpFeeder", () => {
  it("POSTs each stream its share of the rate, with out-of-order, late and invalid records mixed in", async () => {
    const server = await startTestServer({ streams });
    const { url, store } = server;
    try {
      const clock = new ManualClock(T0);
      const feeder = new HttpFeeder({
        url,
        clock,
        ratePerSecond: 1000,
        seed: 3,
        mix: { outOfOrder: 0.3, late: 0.05, invalid: 0.05 },
        feeds: [
          {
            stream: "a",
            share: 0.75,
            make: (i, random, now) => ({ id: `a${i}`, n: random.next(), ts: now }),
            required: ["id", "n", "ts"],
            timeField: "ts",
          },
          {
            stream: "b",
            share: 0.25,
            make: (_i, _random, now) => ({ ok: true, ts: now }),
            required: ["ok", "ts"],
            timeField: "ts",
          },
        ],
      });
      feeder.start();
      for (let tick = 0; tick < 50; tick++) {
        clock.advance(200);
        await feeder.settled();
      }
      await feeder.stop();

      const { stats } = feeder;
      assert.equal(stats.sent, 10_000, "10 s at 1,000 records/s");
      assert.equal(stats.failedRequests, 0, stats.lastError);
      assert.equal(stats.accepted + stats.rejected, stats.sent);
      assert.equal(stats.rejected, stats.madeInvalid, "every invalid record, and only those, is rejected");
      assert.ok(stats.madeInvalid > 350 && stats.madeInvalid < 650, `about 5% invalid: ${stats.madeInvalid}`);
      assert.ok(stats.madeLate > 350 && stats.madeLate < 650, `about 5% late: ${stats.madeLate}`);
      assert.equal(store.log.endOffset("a") + store.log.endOffset("b"), stats.accepted);
      assert.ok(Math.abs(store.log.endOffset("a") / stats.accepted - 0.75) < 0.01, "stream a gets 75%");

      const dlq = store.deadLetters().list({ reason: "invalid", limit: 1000 });
      assert.equal(dlq.length, stats.rejected);
      assert.ok(
        dlq.every((d) => /^record \d+: \/\w*: /.test(d.error ?? "")),
        dlq[0]?.error,
      );

      // Event times: most in order, 30% up to 2.5 s back, 5% 70–120 s back; none in the future.
      const read = store.log.read("a", 0, 100_000);
      let disordered = 0;
      let late = 0;
      let maxSeen = Number.NEGATIVE_INFINITY;
      read.eventTimes.forEach((t, i) => {
        const behind = maxSeen - t!;
        if (behind >= 60_000) late++;
        else if (behind > 0) {
          disordered++;
          assert.ok(behind < 3000, `record ${read.offsets[i]} is ${behind} ms out of order`);
        }
        maxSeen = Math.max(maxSeen, t!);
        assert.ok(t! <= T0 + 10_000);
      });
      assert.ok(late > 0.03 * read.records.length, `late ${late}`);
      assert.ok(disordered > 0.2 * read.records.length, `out of order ${disordered}`);
    } finally {
      await server.close();
    }
  });

  it("starts with historyMs of recent history in its first batch, event times from now − historyMs", async () => {
    const server = await startTestServer({ streams: [streams[1]!] });
    const { url, store } = server;
    try {
      const clock = new ManualClock(T0);
      const feeder = new HttpFeeder({
        url,
        clock,
        ratePerSecond: 100,
        historyMs: 30_000,
        mix: { outOfOrder: 0, late: 0, invalid: 0 },
        feeds: [
          {
            stream: "b",
            share: 1,
            make: (_i, _random, now) => ({ ok: true, ts: now }),
            required: ["ok", "ts"],
            timeField: "ts",
          },
        ],
      });
      feeder.start();
      await feeder.settled();
      assert.equal(feeder.stats.history, 3000);
      assert.equal(store.log.endOffset("b"), 3000, "30 s at 100 records/s, at once");
      const times = store.log.read("b", 0, 3000).eventTimes as number[];
      assert.ok(times[0]! >= T0 - 30_000 && times[0]! < T0 - 29_000, `first at ${times[0]! - T0}`);
      assert.equal(times.at(-1), T0);
      for (let tick = 0; tick < 5; tick++) {
        clock.advance(200);
        await feeder.settled();
      }
      await feeder.stop();
      assert.equal(store.log.endOffset("b"), 3100, "then the live rate");
    } finally {
      await server.close();
    }
  });

  it("counts failed requests, naming the stream, and keeps going", async () => {
    const clock = new ManualClock(T0);
    const feeder = new HttpFeeder({
      url: "http://127.0.0.1:9", // nothing listens on the discard port
      clock,
      ratePerSecond: 100,
      mix: { outOfOrder: 0, late: 0, invalid: 0 },
      feeds: [
        { stream: "a", share: 1, make: (i, _r, now) => ({ i, ts: now }), required: [], timeField: "ts" },
      ],
    });
    feeder.start();
    for (let tick = 0; tick < 5; tick++) {
      clock.advance(200);
      await feeder.settled();
    }
    await feeder.stop();
    assert.equal(feeder.stats.sent, 0);
    assert.equal(feeder.stats.failedRequests, 5);
    assert.match(feeder.stats.lastError ?? "", /POST a: /);
  });
});
