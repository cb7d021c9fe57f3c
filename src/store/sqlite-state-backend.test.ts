import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type Database from "better-sqlite3";
import { stateBackendConformance } from "../state/state-backend-conformance.js";
import { openDatabase, storePaths } from "./sqlite-database.js";
import { SqliteStateBackend } from "./sqlite-state-backend.js";

const root = mkdtempSync(join(tmpdir(), "sluice-state-backend-"));
const opened: Database.Database[] = [];
after(() => {
  for (const db of opened) if (db.open) db.close();
  rmSync(root, { recursive: true, force: true });
});
let dirs = 0;

function openState(dir = join(root, `d${dirs++}`)) {
  const db = openDatabase(storePaths(dir).state, "process");
  opened.push(db);
  return { dir, db };
}

/** Rows inserted, updated or deleted by `fn`. */
function rowsWritten(db: Database.Database, fn: () => void): number {
  const before = db.prepare("SELECT total_changes()").pluck().get() as number;
  fn();
  return (db.prepare("SELECT total_changes()").pluck().get() as number) - before;
}

/** Writes the backend's changes the way a checkpoint does: in a transaction. */
function checkpoint(db: Database.Database, backend: SqliteStateBackend): number {
  return rowsWritten(db, () => db.transaction(() => backend.writeChanges(backend.takeChanges()))());
}

stateBackendConformance("sqlite", () => new SqliteStateBackend(openState().db, "p"));

describe("SqliteStateBackend", () => {
  it("a new backend on the same file sees what was written, and nothing that was not", () => {
    const { dir, db } = openState();
    const b = new SqliteStateBackend(db, "iot");
    b.table<number>("count", "n").set("a", 1);
    b.table<number>("count", "n").set(1, 10);
    b.table<number>("count", "n").set("1", 100);
    b.table<Map<string, number[]>>("proc", "map:seen").set("k", new Map([["x", [1, 2]]]));
    b.table<{ max: number }>("agg", "acc").set(
      { user: "u", region: "eu" },
      { max: Number.NEGATIVE_INFINITY },
    );
    checkpoint(db, b);
    b.table<number>("count", "n").set("not-written", 5);
    db.close();

    const again = new SqliteStateBackend(openState(dir).db, "iot");
    const n = again.table<number>("count", "n");
    assert.equal(n.get("a"), 1);
    assert.equal(n.get(1), 10);
    assert.equal(n.get("1"), 100, '1 and "1" stay different keys');
    assert.equal(n.has("not-written"), false);
    assert.deepEqual(again.table("proc", "map:seen").get("k"), new Map([["x", [1, 2]]]));
    assert.deepEqual(again.table("agg", "acc").get({ region: "eu", user: "u" }), {
      max: Number.NEGATIVE_INFINITY,
    });
    assert.equal(
      new SqliteStateBackend(openState(dir).db, "other").table("count", "n").size,
      0,
      "pipelines are apart",
    );
  });

  it("writes only the keys changed since the last checkpoint", () => {
    const { dir, db } = openState();
    const b = new SqliteStateBackend(db, "p");
    const t = b.table<number>("s", "n");
    for (let i = 0; i < 1000; i++) t.set(`k${i}`, i);
    assert.equal(checkpoint(db, b), 1000 + 1, "1000 entries and the table's row");
    assert.equal(checkpoint(db, b), 0, "nothing changed, nothing written");
    t.set("k1", -1);
    t.set("k2", -2);
    t.set("k2", -3);
    t.delete("k3");
    t.set("new", 7);
    t.delete("new"); // set and deleted between checkpoints: a delete of a row that is not there
    const changes = b.takeChanges();
    assert.equal(changes.clear, false);
    assert.deepEqual(
      changes.upserts.map((u) => [u.key, u.value]),
      [
        ['"k1"', "-1"],
        ['"k2"', "-3"],
      ],
    );
    assert.deepEqual(changes.deletes.map((d) => d.key).sort(), ['"k3"', '"new"']);
    assert.equal(
      rowsWritten(db, () => db.transaction(() => b.writeChanges(changes))()),
      3,
      "two upserts, one delete that found its row",
    );
    const again = new SqliteStateBackend(openState(dir).db, "p");
    const u = again.table<number>("s", "n");
    assert.equal(u.size, 999);
    assert.equal(u.get("k1"), -1);
    assert.equal(u.get("k2"), -3);
    assert.equal(u.has("k3"), false);
  });

  it("after restore, the next checkpoint replaces everything stored", () => {
    const { dir, db } = openState();
    const b = new SqliteStateBackend(db, "p");
    b.table<number>("s", "n").set("old", 1);
    checkpoint(db, b);
    b.restore([["s", "n", [["fresh", 2]]]]);
    assert.equal(b.table("s", "n").has("old"), false);
    checkpoint(db, b);
    const again = new SqliteStateBackend(openState(dir).db, "p");
    assert.deepEqual([...again.table("s", "n").keys()], ["fresh"]);
  });

  it("writeChanges refuses to run outside a transaction", () => {
    const { db } = openState();
    const b = new SqliteStateBackend(db, "p");
    b.table<number>("s", "n").set("k", 1);
    assert.throws(() => b.writeChanges(b.takeChanges()), /inside the checkpoint's transaction/);
  });

  it("keeps changes whose commit rolled back for the next checkpoint", () => {
    const { dir, db } = openState();
    const b = new SqliteStateBackend(db, "p");
    b.table<number>("s", "n").set("k", 1);
    b.table<number>("s", "n").set({ obj: 1 }, 2);
    const failing = db.transaction(() => {
      b.commitParticipant(db);
      throw new Error("disk full");
    });
    assert.throws(() => failing(), /disk full/);
    b.commitParticipant.rolledBack!();
    assert.equal(new SqliteStateBackend(db, "p").table("s", "n").size, 0, "nothing was written");
    checkpoint(db, b);
    const again = new SqliteStateBackend(openState(dir).db, "p");
    assert.equal(again.table("s", "n").get("k"), 1);
    assert.equal(again.table("s", "n").get({ obj: 1 }), 2);
  });

  it("reload drops what was not written and loads the file again", () => {
    const { db } = openState();
    const b = new SqliteStateBackend(db, "p");
    b.table<number>("s", "n").set("kept", 1);
    checkpoint(db, b);
    b.table<number>("s", "n").set("lost", 2);
    b.table<number>("s", "n").delete("kept");
    b.reload();
    assert.deepEqual([...b.table("s", "n").keys()], ["kept"]);
    assert.equal(checkpoint(db, b), 0, "a reload leaves nothing to write");
  });
});
