import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { streamLogSource } from "../connectors/stream-log-source.js";
import { ManualClock } from "../core/clock.js";
import { RetentionEnforcer } from "./retention.js";
import { openDatabase, storePaths } from "./sqlite-database.js";
import { StreamLog } from "./stream-log.js";

const root = mkdtempSync(join(tmpdir(), "sluice-retention-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

function openLog() {
  const db = openDatabase(storePaths(join(root, `d${dirs++}`)).log, "process");
  after(() => db.close());
  return new StreamLog(db);
}

/** Appends records 0..n-1 one per `step` ms of ingest time, starting at `from`. */
function fill(log: StreamLog, stream: string, n: number, from = 0, step = 1000) {
  for (let i = 0; i < n; i++) log.append(stream, [{ i }], [i], from + i * step);
}

function offsets(log: StreamLog, stream: string) {
  return log.read(stream, 0, 1_000_000).offsets;
}

function info(log: StreamLog, stream: string) {
  return log.streams().find((s) => s.name === stream)!;
}

describe("RetentionEnforcer", () => {
  it("deletes records older than maxAge by ingest time, oldest first", () => {
    const log = openLog();
    const clock = new ManualClock(0);
    fill(log, "a", 10); // ingested at 0, 1000, ..., 9000
    clock.setTime(10_000);
    const r = new RetentionEnforcer(log, { a: { maxAge: "5s" } }, clock);
    assert.deepEqual(r.applyNow(), [{ stream: "a", deleted: 5 }]);
    assert.deepEqual(offsets(log, "a"), [5, 6, 7, 8, 9], "records ingested at 5000 and later are kept");
    assert.deepEqual(r.applyNow(), [{ stream: "a", deleted: 0 }]);
  });

  it("keeps at most maxRecords, the newest ones", () => {
    const log = openLog();
    fill(log, "a", 10);
    fill(log, "b", 3);
    const r = new RetentionEnforcer(log, new Map([["a", { maxRecords: 4 }]]), new ManualClock(0));
    assert.deepEqual(r.applyNow(), [{ stream: "a", deleted: 6 }]);
    assert.deepEqual(offsets(log, "a"), [6, 7, 8, 9]);
    assert.deepEqual(offsets(log, "b"), [0, 1, 2], "a stream without settings keeps everything");
  });

  it("keeps at most maxBytes, counted as streams() counts them, deleting whole records oldest first", () => {
    const log = openLog();
    const records = ["ééé", "x".repeat(50), 1, { a: "b" }, "ü".repeat(10), 22, "last"];
    log.append("a", records, undefined, 0);
    const sizes = records.map((r) => Buffer.byteLength(JSON.stringify(r)));
    assert.equal(
      info(log, "a").bytes,
      sizes.reduce((x, y) => x + y),
    );
    const kept = sizes.slice(3).reduce((x, y) => x + y);
    const limit = kept + sizes[2]! - 1; // records 3.. fit, 2.. are one byte too many
    const r = new RetentionEnforcer(log, { a: { maxBytes: limit } }, new ManualClock(0));
    assert.deepEqual(r.applyNow(), [{ stream: "a", deleted: 3 }]);
    assert.deepEqual(offsets(log, "a"), [3, 4, 5, 6]);
    assert.equal(info(log, "a").bytes, kept);

    const exact = new RetentionEnforcer(log, { a: { maxBytes: sizes[6]! } }, new ManualClock(0));
    assert.deepEqual(exact.applyNow(), [{ stream: "a", deleted: 3 }]);
    assert.deepEqual(offsets(log, "a"), [6]);
    assert.deepEqual(new RetentionEnforcer(log, { a: { maxBytes: 0 } }, new ManualClock(0)).applyNow(), [
      { stream: "a", deleted: 1 },
    ]);
    assert.deepEqual(info(log, "a"), { name: "a", startOffset: 7, endOffset: 7, records: 0, bytes: 0 });
  });

  it("finds the byte cut in a log longer than one read of record sizes", () => {
    const log = openLog();
    const records = Array.from({ length: 5000 }, (_, i) => ({ i, pad: "p".repeat(i % 17) }));
    log.append("a", records, undefined, 0);
    const sizes = records.map((r) => Buffer.byteLength(JSON.stringify(r)));
    const keep = 1234;
    const limit = sizes.slice(-keep).reduce((x, y) => x + y);
    log.applyRetention("a", { maxBytes: limit }, 0);
    assert.equal(info(log, "a").startOffset, 5000 - keep);
    assert.equal(info(log, "a").bytes, limit);
  });

  it("applies the strictest of several limits", () => {
    const log = openLog();
    const clock = new ManualClock(0);
    fill(log, "a", 10);
    clock.setTime(9000);
    const r = new RetentionEnforcer(log, { a: { maxAge: "6s", maxRecords: 8, maxBytes: 1_000_000 } }, clock);
    assert.deepEqual(r.applyNow(), [{ stream: "a", deleted: 3 }]);
    assert.equal(info(log, "a").startOffset, 3);
  });

  it("never reuses offsets: appends after retention continue from the end", () => {
    const log = openLog();
    fill(log, "a", 5);
    new RetentionEnforcer(log, { a: { maxRecords: 0 } }, new ManualClock(0)).applyNow();
    assert.deepEqual(info(log, "a"), { name: "a", startOffset: 5, endOffset: 5, records: 0, bytes: 0 });
    assert.deepEqual(log.append("a", ["next"], undefined, 0), { first: 5, last: 5 });
    assert.deepEqual(log.read("a", 0, 10), { offsets: [5], eventTimes: [null], records: ["next"] });
  });

  it("runs on the clock's schedule until stopped", () => {
    const log = openLog();
    const clock = new ManualClock(0);
    const r = new RetentionEnforcer(log, { a: { maxAge: "10s" } }, clock);
    fill(log, "a", 30); // ingested at 0..29 s
    r.start("5s");
    clock.setTime(4999);
    assert.equal(info(log, "a").startOffset, 0, "no pass before the first interval");
    clock.setTime(15_000);
    assert.equal(info(log, "a").startOffset, 5, "the pass at 15 s keeps records ingested from 5 s on");
    clock.setTime(20_000);
    assert.equal(info(log, "a").startOffset, 10);
    r.stop();
    clock.setTime(60_000);
    assert.equal(info(log, "a").startOffset, 10, "nothing runs after stop()");
    r.start(1000);
    r.start(2000);
    clock.setTime(61_000);
    assert.equal(info(log, "a").startOffset, 10, "starting again replaced the first schedule");
    clock.setTime(62_000);
    assert.equal(info(log, "a").startOffset, 30);
    r.stop();
  });

  it("reports errors of scheduled passes and keeps the schedule", () => {
    const log = openLog();
    const clock = new ManualClock(0);
    const errors: unknown[] = [];
    const r = new RetentionEnforcer(log, { a: { maxRecords: 1 } }, clock, { onError: (e) => errors.push(e) });
    const apply = log.applyRetention.bind(log);
    let fail = true;
    log.applyRetention = (...args) => {
      if (fail) throw new Error("disk trouble");
      return apply(...args);
    };
    fill(log, "a", 3);
    r.start(1000);
    clock.setTime(1000);
    assert.equal(errors.length, 1);
    fail = false;
    clock.setTime(2000);
    assert.equal(info(log, "a").startOffset, 2);
    r.stop();
  });

  it("rejects bad settings, naming the stream", () => {
    const log = openLog();
    const clock = new ManualClock(0);
    assert.throws(() => new RetentionEnforcer(log, { a: { maxRecords: -1 } }, clock), /"a": maxRecords/);
    assert.throws(() => new RetentionEnforcer(log, { b: { maxBytes: 1.5 } }, clock), /"b": maxBytes/);
    assert.throws(
      () => new RetentionEnforcer(log, { c: { maxAge: "often" as never } }, clock),
      /"c": maxAge/,
    );
    assert.throws(() => new RetentionEnforcer(log, {}, clock).start(0), /interval/);
  });

  it("moves a stream-log reader positioned before the retained start to the first retained record", async () => {
    const log = openLog();
    const clock = new ManualClock(0);
    fill(log, "a", 10);
    const source = streamLogSource<{ i: number }>(log, "a", { batchSize: 3, until: 10 });
    const reader = source.open({ clock, stepId: "a", resumeFrom: 0 });
    assert.deepEqual(await reader.next(), {
      partition: 0,
      items: [{ i: 0 }, { i: 1 }, { i: 2 }],
      times: [0, 1, 2],
    });
    new RetentionEnforcer(log, { a: { maxRecords: 4 } }, clock).applyNow();
    assert.deepEqual(
      (await reader.next())?.items,
      [{ i: 6 }, { i: 7 }, { i: 8 }],
      "records 3-5 were deleted",
    );
    assert.equal(reader.position(), 9);

    const resumed = source.open({ clock, stepId: "a", resumeFrom: 2 });
    assert.deepEqual((await resumed.next())?.items, [{ i: 6 }, { i: 7 }, { i: 8 }]);
    const fresh = streamLogSource<{ i: number }>(log, "a", { from: { offset: 0 }, until: 10 }).open({
      clock,
      stepId: "a",
    });
    assert.deepEqual((await fresh.next())?.items, [{ i: 6 }, { i: 7 }, { i: 8 }, { i: 9 }]);
    assert.equal(await fresh.next(), null);
    reader.close?.();
    resumed.close?.();
    fresh.close?.();
  });
});
