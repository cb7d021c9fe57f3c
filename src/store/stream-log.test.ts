import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type Durability, openDatabase, storePaths } from "./sqlite-database.js";
import { type AppendEvent, StreamLog } from "./stream-log.js";

const root = mkdtempSync(join(tmpdir(), "sluice-stream-log-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

function openLog(dir = join(root, `d${dirs++}`), durability: Durability = "process") {
  const db = openDatabase(storePaths(dir).log, durability);
  return { dir, db, log: new StreamLog(db) };
}

describe("StreamLog", () => {
  it("gives each stream contiguous offsets from 0 and reads them back in order", () => {
    const { db, log } = openLog();
    assert.equal(log.endOffset("a"), 0, "an unknown stream is empty");
    assert.equal(log.startOffset("a"), 0);
    assert.deepEqual(log.append("a", [{ n: 0 }, { n: 1 }], [100, null], 1), { first: 0, last: 1 });
    assert.deepEqual(log.append("b", ["x"], undefined, 1), { first: 0, last: 0 });
    assert.deepEqual(log.append("a", [{ n: 2 }], [50], 2), { first: 2, last: 2 });
    assert.deepEqual(
      log.append("a", [], undefined, 3),
      { first: 3, last: 2 },
      "an empty append takes no offset",
    );
    assert.equal(log.endOffset("a"), 3);
    assert.deepEqual(log.read("a", 0, 10), {
      offsets: [0, 1, 2],
      eventTimes: [100, null, 50],
      records: [{ n: 0 }, { n: 1 }, { n: 2 }],
    });
    assert.deepEqual(log.read("a", 1, 1).offsets, [1]);
    assert.deepEqual(log.read("a", 3, 10).offsets, []);
    assert.deepEqual(log.read("nope", 0, 10).records, []);
    assert.deepEqual(log.read("b", 0, 10).records, ["x"]);
    db.close();
  });

  it("keeps everything across close and reopen, in both durability modes", () => {
    for (const durability of ["process", "machine"] as const) {
      const first = openLog(undefined, durability);
      first.log.append("s", [1, 2, 3], [10, 20, 30], 0);
      first.log.append("s", [{ deep: { x: [1, "two", null, true] } }], [40], 0);
      first.db.close();
      const again = openLog(first.dir, durability);
      assert.equal(again.log.endOffset("s"), 4);
      assert.deepEqual(again.log.read("s", 0, 10).records, [
        1,
        2,
        3,
        { deep: { x: [1, "two", null, true] } },
      ]);
      assert.deepEqual(again.log.append("s", [5], [50], 0), { first: 4, last: 4 });
      again.db.close();
    }
  });

  it("writes nothing of an append that fails, and names the stream and record", () => {
    const { db, log } = openLog();
    log.append("s", [1], [1], 0);
    assert.throws(() => log.append("s", [2, undefined, 4], undefined, 0), /stream "s": record 1 is not JSON/);
    assert.throws(() => log.append("s", [2, 3], [1, Number.NaN], 0), /stream "s": record 1's event time/);
    assert.throws(() => log.append("s", [2, 3], [1], 0), /2 records but 1 event times/);
    // Enough records that some went through the multi-row insert before the failure.
    const many = Array.from({ length: 300 }, (_, i) => (i === 250 ? 10n : i));
    assert.throws(() => log.append("s", many, undefined, 0), /record 250 is not JSON/);
    assert.equal(log.endOffset("s"), 1);
    assert.deepEqual(log.read("s", 0, 1000).records, [1]);
    assert.deepEqual(log.append("s", [2], [2], 0), { first: 1, last: 1 });
    db.close();
  });

  it("stores batches larger than one multi-row insert, with every offset and time in place", () => {
    const { db, log } = openLog();
    for (const size of [1, 63, 64, 65, 129, 1000]) {
      const start = log.endOffset("s");
      const records = Array.from({ length: size }, (_, i) => ({ seq: start + i }));
      const times = records.map((r) => (r.seq % 7 === 0 ? null : r.seq * 10));
      assert.deepEqual(log.append("s", records, times, 0), { first: start, last: start + size - 1 });
    }
    const all = log.read("s", 0, 10_000);
    assert.equal(all.offsets.length, log.endOffset("s"));
    all.offsets.forEach((offset, i) => {
      assert.equal(offset, i);
      assert.deepEqual(all.records[i], { seq: i });
      assert.equal(all.eventTimes[i], i % 7 === 0 ? null : i * 10);
    });
    db.close();
  });

  it("retention deletes the oldest records by count and by age, and never reuses their offsets", () => {
    const { dir, db, log } = openLog();
    log.append("s", ["a", "b", "c"], undefined, 1000);
    log.append("s", ["d", "e"], undefined, 2000);
    log.append("s", ["f"], undefined, 3000);
    assert.equal(log.applyRetention("s", { maxRecords: 4 }, 3000), 2);
    assert.equal(log.startOffset("s"), 2);
    assert.deepEqual(
      log.read("s", 0, 10).offsets,
      [2, 3, 4, 5],
      "a read below the start begins at the start",
    );
    assert.equal(log.applyRetention("s", { maxRecords: 4 }, 3000), 0, "applying it again deletes nothing");
    assert.equal(log.applyRetention("s", { maxAgeMs: 1000 }, 3500), 3, "ingested before 2500: c, d, e");
    assert.deepEqual(log.read("s", 0, 10), { offsets: [5], eventTimes: [null], records: ["f"] });
    assert.equal(log.applyRetention("s", { maxAgeMs: 0 }, 9999), 1);
    assert.equal(log.startOffset("s"), 6);
    assert.equal(log.endOffset("s"), 6);
    assert.deepEqual(log.streams(), [{ name: "s", startOffset: 6, endOffset: 6, records: 0, bytes: 0 }]);
    db.close();

    const again = openLog(dir);
    assert.equal(again.log.startOffset("s"), 6);
    assert.deepEqual(again.log.append("s", ["g"], undefined, 4000), { first: 6, last: 6 }, "offset 6, not 0");
    assert.deepEqual(again.log.read("s", 0, 10).offsets, [6]);
    assert.equal(again.log.applyRetention("unknown", { maxRecords: 0 }, 0), 0);
    assert.throws(() => again.log.applyRetention("s", { maxRecords: -1 }, 0), /maxRecords/);
    again.db.close();
  });

  it("stores records given as UTF-8 bytes as sent, whether in one stretch of a buffer or scattered", () => {
    const { log, db } = openLog();
    const body = Buffer.from('{"n":0}\n{"n":"é"}\r\n{"n":2}\n{"n":3}');
    const line = (start: number, end: number) => ({ bytes: body, start, end });
    // Lines 0, 1 (its \r left out) and 3 of the body, with a record serialised between them.
    const texts = [line(0, 7), line(8, 18), undefined, line(28, 35)];
    log.append("b", [undefined, undefined, { n: "x" }, undefined], [1, 2, 3, 4], 1, texts);
    // One stretch: lines 0 and 1 with the newline between them.
    const joined = Buffer.from('{"n":0}\n{"n":1}');
    log.append("b", [undefined, undefined], [5, 6], 1, [
      { bytes: joined, start: 0, end: 7 },
      { bytes: joined, start: 8, end: 15 },
    ]);
    // One byte apart but not a newline apart: two stretches, joined by a newline.
    const comma = Buffer.from('{"n":7},{"n":8}');
    log.append("b", [undefined, undefined], [7, 8], 1, [
      { bytes: comma, start: 0, end: 7 },
      { bytes: comma, start: 8, end: 15 },
    ]);
    assert.deepEqual(log.read("b", 0, 20).records, [
      { n: 0 },
      { n: "é" },
      { n: "x" },
      { n: 3 },
      { n: 0 },
      { n: 1 },
      { n: 7 },
      { n: 8 },
    ]);
    assert.deepEqual(log.read("b", 0, 20).eventTimes, [1, 2, 3, 4, 5, 6, 7, 8]);
    const [info] = log.streams();
    assert.equal(info!.bytes, 7 + 10 + 9 + 7 + 7 + 7 + 7 + 7, "bytes count the UTF-8 of each record");
    const types = db.prepare("SELECT DISTINCT typeof(payload), typeof(event_times) FROM log_1").raw().all();
    assert.deepEqual(types, [["text", "text"]], "bytes are stored as text, readable by SQL's JSON functions");
    assert.throws(
      () => log.append("b", [undefined], [1], 1, [{ bytes: body, start: 0, end: 18 }]),
      /record 0's text must be one non-empty line of JSON/,
    );
    assert.throws(() => log.append("b", [undefined], [1], 1, [line(3, 3)]), /one non-empty line/);
    assert.equal(log.endOffset("b"), 8, "a refused append takes no offset");
  });

  it("writes event times as JSON exactly as JSON.stringify does", () => {
    const { log } = openLog();
    const times: (number | null)[] = [0, -0, 1, -1, 9, 10, 99_999_999, 100_000_000, 100_000_001, null];
    times.push(
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      2 ** 53,
      1.5,
      -2.25e-7,
      1e21,
      1.7976931348623157e308,
    );
    const random = (k: number) => Math.floor(Math.sin(k) * 10 ** (k % 16));
    for (let k = 0; k < 2000; k++) times.push(random(k), Date.UTC(2026, 0, 1) + k * 7919);
    log.append(
      "t",
      times.map(() => ({})),
      times,
      1,
    );
    const stored = log.read("t", 0, times.length).eventTimes;
    assert.deepEqual(
      stored,
      times.map((t) => (Object.is(t, -0) ? 0 : t)),
    );
  });

  it("lists streams with offsets, record counts and UTF-8 bytes", () => {
    const { db, log } = openLog();
    log.append("zeta", ["é"], undefined, 0); // "é" in JSON is 4 bytes: quote, two UTF-8 bytes, quote
    log.append("alpha", [1, 22], undefined, 0);
    assert.deepEqual(log.streams(), [
      { name: "alpha", startOffset: 0, endOffset: 2, records: 2, bytes: 3 },
      { name: "zeta", startOffset: 0, endOffset: 1, records: 1, bytes: 4 },
    ]);
    assert.equal(log.applyRetention("alpha", { maxRecords: 1 }, 0), 1);
    assert.equal(log.streams()[0]!.bytes, 2);
    db.close();
  });

  it("offsetAtTime finds the first offset whose event time is at or after a time", () => {
    const { db, log } = openLog();
    assert.equal(log.offsetAtTime("s", 0), null, "unknown stream");
    log.append("s", ["a", "b", "c", "d", "e", "f"], [null, 100, 300, 200, null, 400], 0);
    assert.equal(log.offsetAtTime("s", 0), 1);
    assert.equal(log.offsetAtTime("s", 100), 1);
    assert.equal(log.offsetAtTime("s", 101), 2);
    assert.equal(log.offsetAtTime("s", 200), 2, "offset 2 (300) comes before offset 3 (200)");
    assert.equal(log.offsetAtTime("s", 301), 5);
    assert.equal(log.offsetAtTime("s", 401), null);
    log.append("s", ["g"], [250], 0);
    assert.equal(log.offsetAtTime("s", 250), 2);
    // After retention dropped offsets 0–2 (with 300), the answer is among the records that are left.
    log.applyRetention("s", { maxRecords: 4 }, 0);
    assert.equal(log.offsetAtTime("s", 250), 5);
    assert.equal(log.offsetAtTime("s", 0), 3);
    assert.equal(log.offsetAtTime("s", 401), null);
    db.close();
  });

  it("offsetAtTime agrees with a linear scan over disordered times, before and after retention", () => {
    const { db, log } = openLog();
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const times: (number | null)[] = [];
    for (let b = 0; b < 5; b++) {
      const batch = Array.from({ length: 200 }, () =>
        random() < 0.1 ? null : Math.floor(times.length * 10 + random() * 500 - 250),
      );
      log.append("s", batch, batch, 0);
      times.push(...batch);
    }
    const linear = (start: number, t: number) => {
      for (let o = start; o < times.length; o++) if (times[o] !== null && times[o]! >= t) return o;
      return null;
    };
    for (const start of [0, 437]) {
      if (start > 0) log.applyRetention("s", { maxRecords: times.length - start }, 0);
      for (let t = -300; t < times.length * 10 + 300; t += 37) {
        assert.equal(log.offsetAtTime("s", t), linear(start, t), `time ${t}, start ${start}`);
      }
    }
    db.close();
  });

  it("tells listeners about every committed append, and not about failed ones", () => {
    const errors: unknown[] = [];
    const db = openDatabase(storePaths(join(root, `d${dirs++}`)).log, "process");
    const log = new StreamLog(db, { onListenerError: (e) => errors.push(e) });
    const seen: AppendEvent[] = [];
    const stop = log.onAppend((e) => seen.push(e));
    log.onAppend(() => {
      throw new Error("listener bug");
    });
    assert.deepEqual(
      log.append("s", [1, 2], undefined, 0),
      { first: 0, last: 1 },
      "a listener error is not the append's",
    );
    assert.throws(() => log.append("s", [undefined], undefined, 0));
    log.append("t", [3], undefined, 0);
    stop();
    log.append("s", [4], undefined, 0);
    assert.deepEqual(seen, [
      { stream: "s", first: 0, last: 1 },
      { stream: "t", first: 0, last: 0 },
    ]);
    assert.equal(errors.length, 3);
    db.close();
  });

  it("tells listeners of an append inside a caller's transaction only once that transaction committed", async () => {
    const { db, log } = openLog();
    const seen: AppendEvent[] = [];
    log.onAppend((e) => seen.push(e));
    assert.throws(() =>
      db.transaction(() => {
        log.append("s", [1, 2], undefined, 0);
        throw new Error("the caller's next write failed");
      })(),
    );
    db.transaction(() => {
      log.append("s", [3], undefined, 0);
      assert.deepEqual(seen, [], "not yet committed");
    })();
    await Promise.resolve();
    assert.deepEqual(seen, [{ stream: "s", first: 0, last: 0 }], "the rolled-back append is never told");
    db.close();
  });

  it("keeps every acknowledged record exactly once when the writer is killed with SIGKILL", async () => {
    const { dir } = openLog();
    const child = fileURLToPath(new URL("./stream-log-crash-child.js", import.meta.url));
    const acked: Array<[number, number]> = [];
    for (let run = 0; run < 2; run++) {
      const proc = spawn(process.execPath, [child, dir, "process", "200"], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        proc.on("exit", (_code, signal) => resolve(signal)),
      );
      let buffered = "";
      let acksThisRun = 0;
      proc.stdout.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const [first, last] = buffered.slice(0, nl).split(" ").map(Number) as [number, number];
          buffered = buffered.slice(nl + 1);
          acked.push([first, last]);
          if (++acksThisRun === 25) proc.kill("SIGKILL");
        }
      });
      assert.equal(await exited, "SIGKILL");
    }
    const { db, log } = openLog(dir);
    assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
    const end = log.endOffset("crash");
    const ackedLast = Math.max(...acked.map(([, last]) => last));
    assert.ok(end > ackedLast, `log ends at ${end}, after the last acknowledged offset ${ackedLast}`);
    const all = log.read("crash", 0, end + 1);
    assert.equal(all.offsets.length, end, "no gaps, no extra rows");
    all.records.forEach((r, i) => {
      assert.equal((r as { seq: number }).seq, i, `offset ${i} holds record ${i} once`);
    });
    for (let i = 1; i < acked.length; i++) {
      const [first] = acked[i]!;
      const [, prevLast] = acked[i - 1]!;
      assert.ok(first > prevLast, "acknowledged ranges never overlap: offsets are not reused after a crash");
    }
    db.close();
  });

  it("measures append throughput for 1,000-record batches", (t) => {
    const { db, log } = openLog();
    const batch = Array.from({ length: 1000 }, (_, i) => ({
      deviceId: `dev-${i % 50}`,
      temp: 20 + (i % 7),
      ts: i,
    }));
    const times = batch.map((r) => r.ts);
    log.append("bench", batch, times, 0); // warm-up
    const batches = 100;
    const started = performance.now();
    for (let b = 0; b < batches; b++) log.append("bench", batch, times, b);
    const seconds = (performance.now() - started) / 1000;
    const rate = Math.round((batches * batch.length) / seconds);
    t.diagnostic(
      `StreamLog.append: ${rate} records/s (${Math.round(batches / seconds)} appends/s of 1,000 records)`,
    );
    assert.equal(log.endOffset("bench"), (batches + 1) * 1000);
    db.close();
  });
});
