import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { runNexmarkGenerate } from "../src/cli/nexmark-generate.js";
import { NexmarkGenerator } from "../src/nexmark/generator.js";
import type { Auction, Bid, NexmarkEvent, Person } from "../src/nexmark/model.js";
import { eventToJson } from "../src/nexmark/ndjson.js";
import { loadNexmarkNdjson, type NexmarkReferenceQuery, referenceQuery } from "./nexmark-reference.js";

const EVENTS = 20_000;
/** 1,000 events per second of event time: the events span 20 s, i.e. several 10 s windows. */
const RATE = 1_000;

class Collect extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString("utf8");
    done();
  }
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Collect();
  const stderr = new Collect();
  const code = await runNexmarkGenerate(args, { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const floorMod = (t: number, size: number) => ((t % size) + size) % size;

describe("sluice nexmark generate + SQL reference queries", () => {
  let dir: string;
  let file: string;
  let db: Database.Database;
  const events: NexmarkEvent[] = [];
  new NexmarkGenerator({ events: EVENTS, eventsPerSecond: RATE }).fill(events, [], EVENTS);
  const bids = events.filter((e): e is Bid => e.type === "bid");
  const auctions = events.filter((e): e is Auction => e.type === "auction");
  const people = events.filter((e): e is Person => e.type === "person");
  const rows: Partial<Record<NexmarkReferenceQuery, Record<string, unknown>[]>> = {};
  const run = (q: NexmarkReferenceQuery) => {
    rows[q] ??= referenceQuery(db, q);
    return rows[q]!;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "sluice-nexmark-"));
    file = join(dir, "events.ndjson");
    const { code, stderr } = await cli([
      "--events",
      String(EVENTS),
      "--rate",
      String(RATE),
      "--output",
      file,
    ]);
    assert.equal(code, 0, stderr);
    db = new Database(":memory:");
  });

  after(() => {
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("writes the generator's events as NDJSON, one JSON.stringify line each", () => {
    const text = readFileSync(file, "utf8");
    assert.equal(text, events.map((e) => `${eventToJson(e)}\n`).join(""));
    assert.equal(text, events.map((e) => `${JSON.stringify(e)}\n`).join(""));
  });

  it("loads people, auctions and bids into the Flink DDL's tables", () => {
    assert.deepEqual(loadNexmarkNdjson(db, file), { person: 400, auction: 1_200, bid: 18_400 });
    const columns = (table: string) =>
      (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
    assert.deepEqual(columns("bid"), ["auction", "bidder", "price", "channel", "url", "dateTime", "extra"]);
    assert.deepEqual(columns("person"), [
      "id",
      "name",
      "emailAddress",
      "creditCard",
      "city",
      "state",
      "dateTime",
      "extra",
    ]);
    assert.equal(
      (db.prepare("SELECT count(*) AS n FROM bid WHERE typeof(dateTime) = 'integer'").get() as { n: number })
        .n,
      18_400,
    );
  });

  it("q0 passes every bid through; q1 converts prices to euros", () => {
    const q0 = run("q0");
    assert.equal(q0.length, bids.length);
    assert.deepEqual(Object.keys(q0[0]!), ["auction", "bidder", "price", "dateTime", "extra"]);
    const project = (b: Bid) => ({
      auction: b.auction,
      bidder: b.bidder,
      price: b.price,
      dateTime: b.dateTime,
      extra: b.extra,
    });
    assert.deepEqual(
      new Set(q0.map((r) => JSON.stringify(r))),
      new Set(bids.map((b) => JSON.stringify(project(b)))),
    );
    const q1 = run("q1");
    assert.equal(q1.length, q0.length);
    q1.forEach((r, i) => {
      assert.equal(r.auction, q0[i]!.auction);
      assert.ok(Math.abs((r.price as number) - 0.908 * (q0[i]!.price as number)) < 1e-6);
    });
  });

  it("q2 selects the bids on every 123rd auction", () => {
    const q2 = run("q2");
    assert.ok(q2.length > 0);
    assert.ok(q2.every((r) => (r.auction as number) % 123 === 0));
    assert.equal(q2.length, bids.filter((b) => b.auction % 123 === 0).length);
  });

  it("q3 finds sellers in OR, ID or CA of category-10 auctions", () => {
    const q3 = run("q3");
    const byId = new Map(people.map((p) => [p.id, p]));
    const expected = auctions.filter(
      (a) => a.category === 10 && ["OR", "ID", "CA"].includes(byId.get(a.seller)?.state ?? ""),
    );
    assert.ok(q3.length > 0);
    assert.equal(q3.length, expected.length);
    for (const r of q3) {
      assert.ok(["OR", "ID", "CA"].includes(r.state as string));
      assert.equal(auctions[(r.id as number) - 1000]!.category, 10);
    }
  });

  it("q4 averages the winning bids per category", () => {
    const q4 = run("q4");
    const winning = new Map<number, number>();
    for (const b of bids) {
      const a = auctions[b.auction - 1000];
      if (a && b.dateTime >= a.dateTime && b.dateTime <= a.expires) {
        winning.set(a.id, Math.max(winning.get(a.id) ?? 0, b.price));
      }
    }
    const sums = new Map<number, { sum: number; n: number }>();
    for (const [id, price] of winning) {
      const s = sums.get(auctions[id - 1000]!.category) ?? { sum: 0, n: 0 };
      sums.set(auctions[id - 1000]!.category, { sum: s.sum + price, n: s.n + 1 });
    }
    assert.deepEqual(
      q4.map((r) => r.category),
      [...sums.keys()].sort((a, b) => a - b),
    );
    for (const r of q4) {
      const s = sums.get(r.category as number)!;
      assert.ok(Math.abs((r.final as number) - s.sum / s.n) < 1e-6 * (s.sum / s.n));
    }
  });

  it("q5 reports, per 10 s window sliding by 2 s, the auctions with the most bids", () => {
    const q5 = run("q5");
    const counts = new Map<number, Map<number, number>>(); // window start → auction → bids
    for (const b of bids) {
      const last = b.dateTime - floorMod(b.dateTime, 2000);
      for (let start = last; start > b.dateTime - 10_000; start -= 2000) {
        const perAuction = counts.get(start) ?? new Map<number, number>();
        perAuction.set(b.auction, (perAuction.get(b.auction) ?? 0) + 1);
        counts.set(start, perAuction);
      }
    }
    const windows = new Map<number, Record<string, unknown>[]>();
    for (const r of q5) {
      assert.equal((r.endtime as number) - (r.starttime as number), 10_000);
      assert.equal(floorMod(r.starttime as number, 2000), 0);
      windows.set(r.starttime as number, [...(windows.get(r.starttime as number) ?? []), r]);
    }
    assert.deepEqual(
      [...windows.keys()].sort(),
      [...counts.keys()].sort(),
      "every window with a bid has a row",
    );
    for (const [start, winners] of windows) {
      const max = Math.max(...counts.get(start)!.values());
      assert.ok(winners.length >= 1 && winners.every((r) => r.num === max));
      assert.equal(winners.length, [...counts.get(start)!.values()].filter((n) => n === max).length);
    }
  });

  it("q7 finds the bids with the highest price per 10 s window, window ends included", () => {
    const q7 = run("q7");
    assert.ok(q7.length > 0);
    assert.deepEqual(Object.keys(q7[0]!), ["auction", "price", "bidder", "dateTime", "extra"]);
    const maxByEnd = new Map<number, number>();
    for (const b of bids) {
      const end = b.dateTime - floorMod(b.dateTime, 10_000) + 10_000;
      maxByEnd.set(end, Math.max(maxByEnd.get(end) ?? 0, b.price));
    }
    let expected = 0;
    for (const b of bids) {
      for (const [end, max] of maxByEnd)
        if (b.price === max && b.dateTime >= end - 10_000 && b.dateTime <= end) expected++;
    }
    assert.equal(q7.length, expected);
  });

  it("q8 finds people who opened an auction in the 10 s window they registered in", () => {
    const q8 = run("q8");
    assert.ok(q8.length > 0);
    const window = (t: number) => t - floorMod(t, 10_000);
    const sellerWindows = new Set(auctions.map((a) => `${a.seller}@${window(a.dateTime)}`));
    const expected = people.filter((p) => sellerWindows.has(`${p.id}@${window(p.dateTime)}`));
    assert.deepEqual(
      q8,
      expected.map((p) => ({ id: p.id, name: p.name, starttime: window(p.dateTime) })),
    );
  });

  it("orders every query's rows deterministically", () => {
    for (const q of ["q0", "q1", "q2", "q3", "q4", "q5", "q7", "q8"] as const) {
      assert.deepEqual(referenceQuery(db, q), run(q), q);
    }
  });
});

describe("sluice nexmark generate usage", () => {
  it("writes to standard output when no file is given", async () => {
    const { code, stdout } = await cli(["--events", "120", "--seed", "9", "--base-time", "0"]);
    assert.equal(code, 0);
    const expected: NexmarkEvent[] = [];
    new NexmarkGenerator({ events: 120, seed: 9, baseTime: 0 }).fill(expected, [], 120);
    assert.equal(stdout, expected.map((e) => `${JSON.stringify(e)}\n`).join(""));
  });

  it("prints help with exit code 0 and refuses bad usage with exit code 2", async () => {
    const help = await cli(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: sluice nexmark generate --events N/);
    for (const args of [
      [],
      ["--events", "ten"],
      ["--events", "5", "--rate", "0"],
      ["--events", "5", "extra"],
      ["--bogus"],
    ]) {
      const { code, stderr, stdout } = await cli(args);
      assert.equal(code, 2, args.join(" "));
      assert.match(stderr, /^sluice nexmark generate: .+\n\nUsage:/);
      assert.equal(stdout, "");
    }
  });

  it("reports an output file it cannot write with exit code 1", async () => {
    const { code, stderr } = await cli([
      "--events",
      "5",
      "--output",
      join(tmpdir(), "no-such-dir-sluice", "x.ndjson"),
    ]);
    assert.equal(code, 1);
    assert.match(stderr, /cannot write .*no-such-dir-sluice/);
  });
});
