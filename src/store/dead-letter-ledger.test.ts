import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { CheckpointStore } from "./checkpoint-store.js";
import { type DeadLetterEntry, SqliteDeadLetterLedger } from "./dead-letter-ledger.js";
import { openDatabase, storePaths } from "./sqlite-database.js";

const root = mkdtempSync(join(tmpdir(), "sluice-dead-letters-"));
const opened: Database.Database[] = [];
after(() => {
  for (const db of opened) if (db.open) db.close();
  rmSync(root, { recursive: true, force: true });
});
let dirs = 0;

function openLedger(dir = join(root, `d${dirs++}`)) {
  const db = openDatabase(storePaths(dir).state, "process");
  opened.push(db);
  const ledger = new SqliteDeadLetterLedger(db, { pipeline: "iot" });
  const checkpoints = new CheckpointStore(db);
  let id = 0;
  const commit = () =>
    checkpoints.commit("iot", { id: ++id, sources: {}, steps: {} }, [ledger.commitParticipant], 0);
  return { dir, db, ledger, commit };
}

const late = (seq: number, stream = "readings"): DeadLetterEntry => ({
  stepId: "window-1",
  reason: "late",
  record: { seq },
  time: 1000 + seq,
  at: 5000 + seq,
  origin: { stream, offset: seq },
});

describe("SqliteDeadLetterLedger", () => {
  it("writes the processor's entries only when its checkpoint commits, and keeps them across reopen", () => {
    const { dir, db, ledger, commit } = openLedger();
    ledger.write(late(1));
    ledger.write(late(2));
    assert.equal(ledger.count(), 0, "buffered until the checkpoint");
    ledger.discardPending(); // a crash: processing is replayed and writes them again
    ledger.write(late(1));
    ledger.write(late(2));
    commit();
    assert.equal(ledger.pendingCount, 0);
    db.close();
    const again = openLedger(dir).ledger;
    assert.deepEqual(
      again.list().map((d) => (d.record as { seq: number }).seq),
      [1, 2],
      "each once",
    );
    assert.deepEqual(again.get(1), {
      id: 1,
      pipeline: "iot",
      stepId: "window-1",
      reason: "late",
      record: { seq: 1 },
      time: 1001,
      at: 5001,
      origin: { stream: "readings", offset: 1 },
    });
    assert.equal(again.get(99), undefined);
  });

  it("writeNow stores at once, with error and origin, e.g. for records rejected at ingestion", () => {
    const { db } = openLedger();
    const ingestion = new SqliteDeadLetterLedger(db);
    const id = ingestion.writeNow({
      stepId: "ingest",
      reason: "invalid",
      record: { temp: "hot" },
      time: Number.NaN,
      at: 7,
      error: "temp: expected a number",
      origin: { stream: "readings" },
    });
    assert.deepEqual(ingestion.get(id), {
      id,
      pipeline: null,
      stepId: "ingest",
      reason: "invalid",
      record: { temp: "hot" },
      time: null,
      at: 7,
      error: "temp: expected a number",
      origin: { stream: "readings" },
    });
  });

  it("keeps buffered entries when the commit rolls back", () => {
    const { db, ledger, commit } = openLedger();
    ledger.write(late(1));
    const fail = () => {
      throw new Error("other participant failed");
    };
    const checkpoints = new CheckpointStore(db);
    assert.throws(() =>
      checkpoints.commit("iot", { id: 1, sources: {}, steps: {} }, [ledger.commitParticipant, fail], 0),
    );
    assert.equal(ledger.count(), 0);
    assert.equal(ledger.pendingCount, 1);
    commit();
    assert.equal(ledger.count(), 1);
  });

  it("filters by stream, step, reason and pipeline; pages oldest or newest first", () => {
    const { db, ledger, commit } = openLedger();
    for (let i = 0; i < 6; i++) ledger.write(late(i, i % 2 === 0 ? "even" : "odd"));
    ledger.write({ stepId: "map-2", reason: "failed", record: "x", time: 1, at: 2, error: "boom" });
    commit();
    new SqliteDeadLetterLedger(db).writeNow({
      stepId: "ingest",
      reason: "invalid",
      record: 1,
      time: 0,
      at: 0,
    });
    const seqs = (entries: Array<{ record: unknown }>) =>
      entries.map((d) => (d.record as { seq: number }).seq);
    assert.equal(ledger.count(), 8);
    assert.equal(ledger.count({ stream: "even" }), 3);
    assert.equal(ledger.count({ reason: "late", stream: "odd" }), 3);
    assert.equal(ledger.count({ stepId: "map-2" }), 1);
    assert.equal(ledger.count({ pipeline: "iot" }), 7);
    assert.deepEqual(seqs(ledger.list({ stream: "even" })), [0, 2, 4], "oldest first by default");
    assert.deepEqual(seqs(ledger.list({ stream: "even", order: "desc" })), [4, 2, 0]);
    const page1 = ledger.list({ reason: "late", limit: 4 });
    const page2 = ledger.list({ reason: "late", limit: 4, afterId: page1.at(-1)!.id });
    assert.deepEqual(seqs([...page1, ...page2]), [0, 1, 2, 3, 4, 5]);
    const newest = ledger.list({ reason: "late", order: "desc", limit: 2 });
    assert.deepEqual(
      seqs(ledger.list({ reason: "late", order: "desc", limit: 2, afterId: newest.at(-1)!.id })),
      [3, 2],
    );
    assert.deepEqual(
      ledger.list({ stepId: "map-2" }).map((d) => d.error),
      ["boom"],
    );
    assert.equal(ledger.clear({ stream: "odd" }), 3);
    assert.equal(ledger.count(), 5);
    assert.equal(ledger.clear({ pipeline: "iot" }), 4);
    assert.equal(ledger.count(), 1, "the ingestion entry has no pipeline");
  });

  it("keeps a record that is not JSON as its string form rather than losing the entry", () => {
    const { ledger, commit } = openLedger();
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    ledger.write({ stepId: "s", reason: "failed", record: cyclic, time: 0, at: 0 });
    ledger.write({ stepId: "s", reason: "failed", record: undefined, time: 0, at: 0 });
    commit();
    assert.deepEqual(
      ledger.list().map((d) => d.record),
      ["[object Object]", undefined],
    );
  });

  it("marks entries replayed once, keeps them, filters by it, and adds the columns to an older file", () => {
    const dir = join(root, `d${dirs++}`);
    const old = openDatabase(storePaths(dir).state, "process");
    old.exec(`CREATE TABLE dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, pipeline TEXT, step_id TEXT NOT NULL,
      reason TEXT NOT NULL, record TEXT, event_time REAL, at INTEGER NOT NULL, error TEXT, origin_stream TEXT,
      origin_offset INTEGER)`);
    old
      .prepare("INSERT INTO dead_letters (step_id, reason, record, at, origin_stream) VALUES (?, ?, ?, ?, ?)")
      .run("ingest", "invalid", '{"seq":0}', 1, "readings");
    old.close();
    const { ledger } = openLedger(dir);
    const second = ledger.writeNow(late(1));
    assert.deepEqual(ledger.get(1)?.record, { seq: 0 });
    assert.equal(ledger.get(1)?.replayedAt, undefined);
    assert.equal(ledger.markReplayed(1, 77, "readings_v2", 40), true);
    assert.equal(ledger.markReplayed(1, 78, "readings_v2", 41), false, "only once");
    assert.equal(ledger.markReplayed(999, 78, "readings_v2", 41), false);
    assert.equal(ledger.get(1)?.replayedAt, 77);
    assert.deepEqual(ledger.get(1)?.replayedTo, { stream: "readings_v2", offset: 40 });
    assert.deepEqual(
      ledger.list({ replayed: true }).map((d) => d.id),
      [1],
    );
    assert.deepEqual(
      ledger.list({ replayed: false }).map((d) => d.id),
      [second],
    );
    assert.equal(ledger.count(), 2, "replayed entries are kept");
  });
});

describe("a ledger file from before replay marks, opened by several processes at once", () => {
  it("gets its new columns once, and every process opens the store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-ledger-concurrent-"));
    try {
      // The state file as an older version left it: dead_letters without the replay columns.
      const old = new Database(join(dir, "state.db"));
      old.pragma("journal_mode = WAL");
      old.exec(`CREATE TABLE dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, pipeline TEXT,
        step_id TEXT NOT NULL, reason TEXT NOT NULL, record TEXT, event_time REAL, at INTEGER NOT NULL,
        error TEXT, origin_stream TEXT, origin_offset INTEGER)`);
      old.close();
      const store = new URL("./index.js", import.meta.url).href;
      // Each child loads the module, then waits for the same moment to open the store, so the opens overlap
      // (how closely depends on the scheduler: this guards the path, it cannot force the interleaving).
      const at = Date.now() + 2000;
      const open = `import { EmbeddedStore } from ${JSON.stringify(store)};
        while (Date.now() < ${at});
        new EmbeddedStore(process.argv[1]).close();`;
      const codes = await Promise.all(
        Array.from(
          { length: 4 },
          () =>
            new Promise<{ code: number | null; stderr: string }>((resolve) => {
              const child = spawn(process.execPath, ["--input-type=module", "-e", open, dir], {
                stdio: ["ignore", "ignore", "pipe"],
              });
              let stderr = "";
              child.stderr.on("data", (d: Buffer) => {
                stderr += d.toString();
              });
              child.on("exit", (code) => resolve({ code, stderr }));
            }),
        ),
      );
      assert.deepEqual(
        codes.map((c) => c.code),
        [0, 0, 0, 0],
        codes.map((c) => c.stderr).join("\n"),
      );
      const check = new Database(join(dir, "state.db"));
      const columns = (check.prepare("PRAGMA table_info(dead_letters)").all() as Array<{ name: string }>).map(
        (c) => c.name,
      );
      check.close();
      assert.deepEqual(columns.slice(-3), ["replayed_at", "replayed_stream", "replayed_offset"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
