/**
 * The stream log's storage as a user of the log would notice it: one row per append, read, cut by retention
 * and searched by event time at any offset inside a row; texts as received stored as given; and logs written
 * in the earlier one-row-per-record format converted when opened (or refused when from a newer format).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { MAX_RECORDS_PER_ROW, streamRecordsSql } from "./log-batch.js";
import { LOG_FORMAT } from "./log-format.js";
import { openDatabase, storePaths } from "./sqlite-database.js";
import { StreamLog } from "./stream-log.js";

const root = mkdtempSync(join(tmpdir(), "sluice-log-format-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

function openLog(dir = join(root, `d${dirs++}`)) {
  const db = openDatabase(storePaths(dir).log, "process");
  return { dir, db, log: new StreamLog(db) };
}

/** Records 0..n-1 as { i, pad } with sizes that vary, in appends of the given sizes; event time = i * 10. */
function fill(log: StreamLog, sizes: readonly number[], ingestTime = (_batch: number) => 0) {
  let i = 0;
  sizes.forEach((size, b) => {
    const records = Array.from({ length: size }, (_, k) => ({ i: i + k, pad: "é".repeat((i + k) % 5) }));
    log.append(
      "s",
      records,
      records.map((r) => r.i * 10),
      ingestTime(b),
    );
    i += size;
  });
  return i;
}

const bytesOf = (i: number) => Buffer.byteLength(JSON.stringify({ i, pad: "é".repeat(i % 5) }));

describe("stream log rows", () => {
  it("reads from any offset inside a row, across rows, up to a limit that ends inside a row", () => {
    const { db, log } = openLog();
    const n = fill(log, [5, 1, 7, 3]);
    for (let from = 0; from <= n; from++) {
      for (const limit of [1, 2, 4, 6, 20]) {
        const read = log.read("s", from, limit);
        const expected = Array.from({ length: Math.max(0, Math.min(limit, n - from)) }, (_, k) => from + k);
        assert.deepEqual(read.offsets, expected, `from ${from}, limit ${limit}`);
        assert.deepEqual(
          read.records.map((r) => (r as { i: number }).i),
          expected,
        );
        assert.deepEqual(
          read.eventTimes,
          expected.map((i) => i * 10),
        );
      }
    }
    db.close();
  });

  it("splits an append larger than a row into several rows, each offset in place", () => {
    const { db, log } = openLog();
    const n = MAX_RECORDS_PER_ROW * 2 + 3;
    fill(log, [n]);
    const read = log.read("s", MAX_RECORDS_PER_ROW - 2, 5);
    assert.deepEqual(
      read.offsets,
      [0, 1, 2, 3, 4].map((k) => MAX_RECORDS_PER_ROW - 2 + k),
    );
    assert.equal(log.read("s", 0, n + 10).records.length, n);
    assert.equal(log.offsetAtTime("s", (n - 1) * 10), n - 1);
    db.close();
  });

  it("retention cutting a row: the cut part is gone for reads, counts, bytes and SQL; the rest stays", () => {
    const { db, log } = openLog();
    const n = fill(log, [6, 6, 6]);
    assert.equal(log.applyRetention("s", { maxRecords: 10 }, 0), 8, "cuts the second row after 2 records");
    assert.equal(log.startOffset("s"), 8);
    assert.deepEqual(log.read("s", 0, 3).offsets, [8, 9, 10]);
    assert.deepEqual(log.read("s", 7, 1).offsets, [8]);
    let kept = 0;
    for (let i = 8; i < n; i++) kept += bytesOf(i);
    assert.equal(log.streams()[0]!.bytes, kept);
    const sql = db.prepare(`${streamRecordsSql("main", 1)} ORDER BY offset`).all() as Array<{
      offset: number;
      event_time: number;
      value: string;
    }>;
    assert.deepEqual(
      sql.map((r) => [r.offset, r.event_time, JSON.parse(r.value).i]),
      Array.from({ length: 10 }, (_, k) => [8 + k, (8 + k) * 10, 8 + k]),
    );
    // By bytes, cutting the same row again further on: exactly the records whose bytes must go.
    const limit = kept - bytesOf(8) - bytesOf(9) - 1;
    assert.equal(log.applyRetention("s", { maxBytes: limit }, 0), 3, "8 and 9 are not enough: 10 goes too");
    assert.equal(log.startOffset("s"), 11);
    assert.equal(log.streams()[0]!.bytes, kept - bytesOf(8) - bytesOf(9) - bytesOf(10));
    assert.equal(log.offsetAtTime("s", 0), 11, "event-time search starts at the cut");
    assert.equal(log.offsetAtTime("s", 105), 11);
    assert.equal(log.offsetAtTime("s", 121), 13);
    assert.equal(log.applyRetention("s", { maxRecords: 0 }, 0), 7);
    assert.deepEqual(log.read("s", 0, 10).offsets, []);
    assert.deepEqual(log.append("s", [{ i: 18 }], [180], 0), { first: 18, last: 18 });
    assert.deepEqual(log.read("s", 0, 10).offsets, [18]);
    db.close();
  });

  it("retention by age keeps a row whole: its records share the row's ingest time", () => {
    const { db, log } = openLog();
    fill(log, [3, 4, 2], (b) => b * 1000);
    assert.equal(log.applyRetention("s", { maxAgeMs: 1500 }, 2400), 3, "the first row (ingested at 0) goes");
    assert.equal(log.applyRetention("s", { maxRecords: 5 }, 0), 1, "cut the second row");
    assert.equal(log.applyRetention("s", { maxAgeMs: 1500 }, 2400), 0, "its rest is young enough");
    assert.equal(log.applyRetention("s", { maxAgeMs: 1500 }, 2501), 3, "then old: the rest of it goes");
    assert.equal(log.startOffset("s"), 7);
    db.close();
  });

  it("event-time search inside rows, when the cut removed the record that raised the running maximum", () => {
    const { db, log } = openLog();
    log.append("s", ["a", "b", "c", "d"], [100, 900, 200, 300], 0);
    log.append("s", ["e", "f"], [950, 400], 0);
    assert.equal(log.offsetAtTime("s", 500), 1);
    log.applyRetention("s", { maxRecords: 4 }, 0); // drops a and b (900)
    assert.equal(log.offsetAtTime("s", 500), 4, "900 is gone: the next time at or after 500 is 950");
    assert.equal(log.offsetAtTime("s", 250), 3);
    assert.equal(log.offsetAtTime("s", 960), null);
    db.close();
  });

  it("stores a text given with a record instead of serialising it, and refuses one that is not one line", () => {
    const { db, log } = openLog();
    log.append("s", [{ a: 1 }, { b: 2 }], undefined, 0, ['{ "a" : 1 }', undefined]);
    assert.deepEqual(log.read("s", 0, 10).records, [{ a: 1 }, { b: 2 }]);
    assert.equal(
      log.streams()[0]!.bytes,
      Buffer.byteLength('{ "a" : 1 }') + 7,
      "bytes are the stored text's",
    );
    assert.throws(() => log.append("s", [{ a: 1 }], undefined, 0, ['{"a":\n1}']), /one non-empty line/);
    assert.throws(() => log.append("s", [{ a: 1 }], undefined, 0, [""]), /one non-empty line/);
    assert.throws(() => log.append("s", [1, 2], undefined, 0, ["1"]), /2 records but 1 texts/);
    assert.equal(log.endOffset("s"), 2);
    db.close();
  });
});

describe("stream log format", () => {
  it("converts a format-1 log (one row per record) when opened, keeping offsets, times and bytes", () => {
    const dir = join(root, `d${dirs++}`);
    const path = storePaths(dir).log;
    const old = openDatabase(path, "process");
    old.exec(`
      CREATE TABLE streams (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
        start_offset INTEGER NOT NULL DEFAULT 0, end_offset INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0, max_event_time INTEGER);
      CREATE TABLE log_1 (offset INTEGER PRIMARY KEY, event_time INTEGER, max_event_time INTEGER,
        ingest_time INTEGER NOT NULL, payload TEXT NOT NULL);
      CREATE TABLE log_2 (offset INTEGER PRIMARY KEY, event_time INTEGER, max_event_time INTEGER,
        ingest_time INTEGER NOT NULL, payload TEXT NOT NULL);`);
    // Stream "a": offsets 0-2 deleted by retention, 3..5002 kept, three ingest times; stream "b": empty.
    const insert = old.prepare("INSERT INTO log_1 VALUES (?, ?, ?, ?, ?)");
    let bytes = 0;
    let max: number | null = null;
    for (let offset = 3; offset < 5003; offset++) {
      const time = offset % 11 === 0 ? null : offset * 10 - (offset % 7) * 30;
      if (time !== null && (max === null || time > max)) max = time;
      const payload = JSON.stringify({ offset, note: offset % 3 === 0 ? "ü" : "u" });
      bytes += Buffer.byteLength(payload);
      insert.run(offset, time, max, offset < 2000 ? 1000 : offset < 2001 ? 2000 : 3000, payload);
    }
    old.prepare("INSERT INTO streams VALUES (1, 'a', 3, 5003, ?, ?)").run(bytes, max);
    old.prepare("INSERT INTO streams VALUES (2, 'b', 7, 7, 0, NULL)").run();
    old.close();

    const { db, log } = openLog(dir);
    assert.equal(db.pragma("user_version", { simple: true }), LOG_FORMAT);
    assert.deepEqual(log.streams(), [
      { name: "a", startOffset: 3, endOffset: 5003, records: 5000, bytes },
      { name: "b", startOffset: 7, endOffset: 7, records: 0, bytes: 0 },
    ]);
    const all = log.read("a", 0, 10_000);
    assert.equal(all.offsets.length, 5000);
    all.offsets.forEach((offset, k) => {
      assert.equal(offset, 3 + k);
      assert.deepEqual(all.records[k], { offset, note: offset % 3 === 0 ? "ü" : "u" });
      assert.equal(all.eventTimes[k], offset % 11 === 0 ? null : offset * 10 - (offset % 7) * 30);
    });
    assert.equal(log.offsetAtTime("a", 20_000), 2003, "2002 is at 20,020 but has no time; 2003 is at 20,000");
    assert.equal(log.applyRetention("a", { maxAgeMs: 500 }, 2400), 1997, "ingested at 1000: offsets 3..1999");
    assert.equal(log.startOffset("a"), 2000);
    assert.deepEqual(log.append("a", [{ offset: 5003 }], [1], 4000), { first: 5003, last: 5003 });
    assert.deepEqual(log.append("b", ["x"], undefined, 4000), { first: 7, last: 7 });
    db.close();

    const again = openLog(dir);
    assert.equal(again.log.endOffset("a"), 5004, "opening a converted log again changes nothing");
    assert.deepEqual(again.log.read("b", 0, 10).records, ["x"]);
    again.db.close();
  });

  it("refuses a log written in a newer format, naming the file", () => {
    const dir = join(root, `d${dirs++}`);
    const db = new Database(storePaths(openLog(dir).dir).log);
    db.pragma(`user_version = ${LOG_FORMAT + 1}`);
    db.close();
    assert.throws(() => openLog(dir), /log\.db: the stream log is in format 3, newer than this version/);
  });
});
