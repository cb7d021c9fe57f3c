import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type Database from "better-sqlite3";
import { CheckpointStore, type CommitParticipant, participant } from "./checkpoint-store.js";
import { openDatabase, storePaths } from "./sqlite-database.js";
import { SqliteStateBackend } from "./sqlite-state-backend.js";

const root = mkdtempSync(join(tmpdir(), "sluice-checkpoint-store-"));
const opened: Database.Database[] = [];
after(() => {
  for (const db of opened) if (db.open) db.close();
  rmSync(root, { recursive: true, force: true });
});
let dirs = 0;

function openState(dir = join(root, `d${dirs++}`)) {
  const db = openDatabase(storePaths(dir).state, "process");
  opened.push(db);
  return { dir, db, checkpoints: new CheckpointStore(db) };
}

const count = (db: Database.Database, sql: string, ...params: unknown[]) =>
  db
    .prepare(sql)
    .pluck()
    .get(...params) as number;

describe("CheckpointStore", () => {
  it("keeps the latest checkpoint of each pipeline, across close and reopen", () => {
    const { dir, db, checkpoints } = openState();
    assert.equal(checkpoints.latest("iot"), undefined);
    checkpoints.commit("iot", { id: 1, sources: { readings: 10 }, steps: { w: { panes: [1] } } }, [], 1000);
    checkpoints.commit(
      "iot",
      { id: 2, sources: { readings: 25 }, steps: { w: { panes: [2] } }, completed: true },
      [],
      2000,
    );
    checkpoints.commit("other", { id: 7, sources: {}, steps: {} }, [], 3000);
    db.close();
    const again = openState(dir).checkpoints;
    assert.deepEqual(again.latest("iot"), {
      id: 2,
      createdAt: 2000,
      manifest: { sources: { readings: 25 }, steps: { w: { panes: [2] } }, completed: true },
    });
    assert.deepEqual(again.latest("other"), {
      id: 7,
      createdAt: 3000,
      manifest: { sources: {}, steps: {}, completed: false },
    });
  });

  it("rewrites only the step snapshots whose JSON changed, and drops steps that are gone", () => {
    const { dir, db, checkpoints } = openState();
    const steps = { a: { n: 1 }, b: { big: "x".repeat(10_000) }, c: [1, 2] };
    assert.equal(checkpoints.commit("p", { id: 1, sources: {}, steps }, [], 0).stepsWritten, 3);
    const second = checkpoints.commit("p", { id: 2, sources: {}, steps: { ...steps, a: { n: 2 } } }, [], 0);
    assert.equal(second.stepsWritten, 1);
    assert.equal(second.stepsUnchanged, 2);
    assert.ok(second.bytes < 1000, `a small change writes little (${second.bytes} bytes)`);
    db.close();

    const reopened = openState(dir);
    const before = count(reopened.db, "SELECT total_changes()");
    const third = reopened.checkpoints.commit(
      "p",
      { id: 3, sources: {}, steps: { a: { n: 2 }, b: steps.b } },
      [],
      0,
    );
    assert.equal(third.stepsWritten, 0, "after a reopen it still knows what is stored");
    assert.equal(
      count(reopened.db, "SELECT total_changes()") - before,
      2,
      "the manifest row and c's deletion",
    );
    assert.deepEqual(Object.keys(reopened.checkpoints.latest("p")!.manifest.steps).sort(), ["a", "b"]);
    assert.equal(count(reopened.db, "SELECT count(*) FROM checkpoints"), 1, "one manifest per pipeline");
  });

  it("keeps NaN and ±Infinity in snapshots and source positions", () => {
    const { dir, db, checkpoints } = openState();
    const steps = { max: { acc: Number.NEGATIVE_INFINITY, wm: Number.POSITIVE_INFINITY, avg: Number.NaN } };
    checkpoints.commit("p", { id: 1, sources: { s: { watermark: Number.NEGATIVE_INFINITY } }, steps }, [], 0);
    db.close();
    const latest = openState(dir).checkpoints.latest("p")!;
    assert.deepEqual(latest.manifest.steps, steps);
    assert.deepEqual(latest.manifest.sources, { s: { watermark: Number.NEGATIVE_INFINITY } });
  });

  it("commits the manifest and every participant's writes atomically: a participant that throws leaves nothing", () => {
    const { db, checkpoints } = openState();
    db.exec("CREATE TABLE sink (v INTEGER)");
    const state = new SqliteStateBackend(db, "p");
    const sink: CommitParticipant = (d) => d.prepare("INSERT INTO sink VALUES (1)").run();
    state.table<number>("s", "n").set("k", 1);
    checkpoints.commit(
      "p",
      { id: 1, sources: { in: 5 }, steps: { s: "one" } },
      [state.commitParticipant, sink],
      100,
    );

    state.table<number>("s", "n").set("k", 2);
    const hooks: string[] = [];
    const failing = participant(
      () => {
        throw new Error("sink unavailable");
      },
      { rolledBack: () => hooks.push("rolled back"), committed: () => hooks.push("committed") },
    );
    const never = participant(() => hooks.push("called"), {
      rolledBack: () => hooks.push("never rolled back"),
    });
    assert.throws(
      () =>
        checkpoints.commit(
          "p",
          { id: 2, sources: { in: 9 }, steps: { s: "two", t: 1 } },
          [state.commitParticipant, sink, failing, never],
          200,
        ),
      /sink unavailable/,
    );
    assert.deepEqual(hooks, ["rolled back"], "only participants that ran are told, and nothing committed");
    assert.deepEqual(checkpoints.latest("p"), {
      id: 1,
      createdAt: 100,
      manifest: { sources: { in: 5 }, steps: { s: "one" }, completed: false },
    });
    assert.equal(count(db, "SELECT count(*) FROM sink"), 1, "the sink row of checkpoint 2 was rolled back");
    assert.equal(
      new SqliteStateBackend(db, "p").table("s", "n").get("k"),
      1,
      "the state of checkpoint 2 too",
    );
    assert.equal(checkpoints.stats("p").commits, 1);

    // The state change that rolled back is written by the next successful commit.
    const third = checkpoints.commit(
      "p",
      { id: 3, sources: { in: 9 }, steps: { s: "two" } },
      [state.commitParticipant],
      300,
    );
    assert.equal(third.stepsWritten, 1, "the step cache was not fooled by the rolled-back write");
    assert.equal(new SqliteStateBackend(db, "p").table("s", "n").get("k"), 2);
    assert.deepEqual(checkpoints.latest("p")!.manifest.steps, { s: "two" });
  });

  it("clear deletes a pipeline's checkpoint, steps and keyed state, and no other pipeline's", () => {
    const { db, checkpoints } = openState();
    for (const pipeline of ["a", "b"]) {
      const state = new SqliteStateBackend(db, pipeline);
      state.table<number>("s", "n").set("k", 1);
      checkpoints.commit(
        pipeline,
        { id: 1, sources: { x: 1 }, steps: { s: 1 } },
        [state.commitParticipant],
        0,
      );
    }
    checkpoints.clear("a");
    assert.equal(checkpoints.latest("a"), undefined);
    assert.equal(new SqliteStateBackend(db, "a").table("s", "n").size, 0);
    assert.equal(count(db, "SELECT count(*) FROM checkpoint_steps WHERE pipeline = 'a'"), 0);
    assert.equal(checkpoints.latest("b")?.id, 1);
    assert.equal(new SqliteStateBackend(db, "b").table("s", "n").get("k"), 1);
    assert.equal(checkpoints.commit("a", { id: 1, sources: {}, steps: { s: 1 } }, [], 0).stepsWritten, 1);
  });

  it("reports commit count, duration and bytes per pipeline", () => {
    let now = 0;
    const { db } = openState();
    const checkpoints = new CheckpointStore(db, { stopwatch: () => (now += 5) });
    assert.deepEqual(checkpoints.stats("p"), {
      commits: 0,
      lastId: undefined,
      lastDurationMs: 0,
      lastBytes: 0,
      totalBytes: 0,
    });
    const first = checkpoints.commit("p", { id: 1, sources: { s: 1 }, steps: { a: "é" } }, [() => 100], 0);
    assert.equal(first.durationMs, 5);
    assert.equal(first.bytes, 100 + Buffer.byteLength('"é"') + Buffer.byteLength('{"s":1}'));
    checkpoints.commit("p", { id: 2, sources: { s: 2 }, steps: { a: "é" } }, [], 0);
    const stats = checkpoints.stats("p");
    assert.equal(stats.commits, 2);
    assert.equal(stats.lastId, 2);
    assert.equal(stats.lastBytes, Buffer.byteLength('{"s":2}'));
    assert.equal(stats.totalBytes, first.bytes + stats.lastBytes);
    assert.equal(stats.lastDurationMs, 5);
  });
});
