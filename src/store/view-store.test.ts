import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type Database from "better-sqlite3";
import { CheckpointStore } from "./checkpoint-store.js";
import { openDatabase, storePaths } from "./sqlite-database.js";
import { type ViewChange, ViewStore } from "./view-store.js";

const root = mkdtempSync(join(tmpdir(), "sluice-view-store-"));
const opened: Database.Database[] = [];
after(() => {
  for (const db of opened) if (db.open) db.close();
  rmSync(root, { recursive: true, force: true });
});
let dirs = 0;

function openViews(dir = join(root, `d${dirs++}`), pipeline?: string) {
  const db = openDatabase(storePaths(dir).state, "process");
  opened.push(db);
  const views = new ViewStore(db, pipeline === undefined ? {} : { pipeline });
  let id = 0;
  const checkpoints = new CheckpointStore(db);
  const commit = () =>
    checkpoints.commit("p", { id: ++id, sources: {}, steps: {} }, [views.commitParticipant], 0);
  return { dir, db, views, commit };
}

describe("ViewStore", () => {
  it("shows rows only once the checkpoint that covers them commits, and keeps them across reopen", () => {
    const { dir, db, views, commit } = openViews();
    views.upsert("stats", "a", { n: 1 }, 100);
    views.upsert("stats", "b", { n: 2 }, 200);
    assert.equal(views.get("stats", "a"), undefined, "not committed yet");
    assert.equal(views.pendingCount, 2);
    commit();
    assert.equal(views.pendingCount, 0);
    assert.deepEqual(views.get("stats", "a"), { key: "a", value: { n: 1 }, updatedAt: 100 });
    views.upsert("stats", "a", { n: 10 }, 300);
    views.delete("stats", "b");
    commit();
    db.close();
    const again = openViews(dir).views;
    assert.deepEqual(again.list("stats"), [{ key: "a", value: { n: 10 }, updatedAt: 300 }]);
    assert.equal(again.get("stats", "b"), undefined);
  });

  it("keeps buffered rows when the commit rolls back, and forgets them on discardPending", () => {
    const { db, views, commit } = openViews();
    views.upsert("v", "k", 1, 0);
    const fail = () => {
      throw new Error("other participant failed");
    };
    const checkpoints = new CheckpointStore(db);
    assert.throws(() =>
      checkpoints.commit("q", { id: 1, sources: {}, steps: {} }, [views.commitParticipant, fail], 0),
    );
    assert.equal(views.get("v", "k"), undefined);
    assert.equal(views.pendingCount, 1);
    commit();
    assert.equal(views.get("v", "k")?.value, 1);
    views.upsert("v", "k", 2, 0);
    views.discardPending();
    commit();
    assert.equal(views.get("v", "k")?.value, 1);
  });

  it("lists by key or by last update, with limit and offset", () => {
    const { views, commit } = openViews();
    views.upsert("v", "b", "B", 30);
    views.upsert("v", "a", "A", 10);
    views.upsert("v", "c", "C", 20);
    views.upsert("w", "z", "Z", 99);
    commit();
    const keys = (rows: Array<{ key: string }>) => rows.map((r) => r.key);
    assert.deepEqual(keys(views.list("v")), ["a", "b", "c"]);
    assert.deepEqual(
      keys(views.list("v", { order: "updated" })),
      ["b", "c", "a"],
      "most recently updated first",
    );
    assert.deepEqual(keys(views.list("v", { limit: 1, offset: 1 })), ["b"]);
    assert.deepEqual(keys(views.list("v", { order: "updated", limit: 2, offset: 2 })), ["a"]);
    assert.deepEqual(views.list("none"), []);
    assert.throws(() => views.list("v", { limit: -1 }), /limit and offset/);
  });

  it("lists views with row counts and owners, and clears them", () => {
    const { db, views, commit } = openViews(undefined, "iot");
    const other = new ViewStore(db, { pipeline: "shop" });
    views.upsert("stats", "a", 1, 0);
    views.upsert("stats", "b", 1, 0);
    views.upsert("alerts", "x", 1, 0);
    other.upsert("orders", "o", 1, 0);
    commit();
    new CheckpointStore(db).commit("shop", { id: 1, sources: {}, steps: {} }, [other.commitParticipant], 0);
    assert.deepEqual(views.views(), [
      { name: "alerts", rows: 1, pipeline: "iot" },
      { name: "orders", rows: 1, pipeline: "shop" },
      { name: "stats", rows: 2, pipeline: "iot" },
    ]);
    views.clear("alerts");
    assert.deepEqual(
      views.views().map((v) => v.name),
      ["orders", "stats"],
    );
    assert.deepEqual(views.clearPipeline("iot"), ["stats"]);
    assert.deepEqual(views.views(), [{ name: "orders", rows: 1, pipeline: "shop" }]);
    assert.equal(views.get("stats", "a"), undefined);
  });

  it("tells listeners each commit's changes", () => {
    const { views, commit } = openViews();
    const seen: (readonly ViewChange[])[] = [];
    const stop = views.onChange((changes) => seen.push(changes));
    views.upsert("v", "a", { n: 1 }, 5);
    views.delete("v", "b");
    commit();
    stop();
    views.upsert("v", "c", 1, 6);
    commit();
    assert.deepEqual(seen, [
      [
        { view: "v", key: "a", value: { n: 1 }, updatedAt: 5 },
        { view: "v", key: "b" },
      ],
    ]);
  });

  it("rejects a row that is not JSON when it is written, naming view and key", () => {
    const { views, commit } = openViews();
    assert.throws(() => views.upsert("v", "k", { n: 1n }, 0), /view "v", key "k": row is not JSON/);
    assert.throws(() => views.upsert("v", "k", undefined, 0), /view "v", key "k": row is not JSON/);
    assert.equal(views.pendingCount, 0);
    commit();
  });

  it("stores the row as it was when written, even if the object changes later", () => {
    const { views, commit } = openViews();
    const row = { n: 1 };
    views.upsert("v", "k", row, 0);
    row.n = 2;
    commit();
    assert.deepEqual(views.get("v", "k")?.value, { n: 1 });
  });
});
