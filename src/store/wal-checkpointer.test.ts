import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { EmbeddedStore } from "./index.js";
import { openDatabase, storePaths } from "./sqlite-database.js";
import { StreamLog } from "./stream-log.js";
import { WalCheckpointer } from "./wal-checkpointer.js";

const root = mkdtempSync(join(tmpdir(), "sluice-wal-checkpointer-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** Resolves once the database file holds `bytes`: a checkpoint moved the log into it (fails after 10 s). */
async function grownTo(path: string, bytes: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (statSync(path).size < bytes) {
    assert.ok(Date.now() < deadline, `${path} is still ${statSync(path).size} bytes: no checkpoint ran`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("WalCheckpointer", () => {
  it("moves appended records from the write-ahead log into log.db in the background", async () => {
    const dir = join(root, "a");
    const store = new EmbeddedStore(dir);
    const records = Array.from({ length: 1000 }, (_, i) => ({ i, pad: "x".repeat(200) }));
    // Under SQLite's own threshold of 1,000 pages, which the appending connection no longer uses anyway.
    for (let b = 0; b < 10; b++) store.log.append("s", records, undefined, 0);
    await grownTo(storePaths(dir).log, 2_000_000);
    store.close();
    const again = new EmbeddedStore(dir);
    assert.equal(again.log.read("s", 0, 20_000).records.length, 10_000);
    again.close();
  });

  it("keeps the log near its backstop under steady appends, and every record", async () => {
    const dir = join(root, "b");
    const db = openDatabase(storePaths(dir).log, "process");
    const log = new StreamLog(db);
    const checkpointer = new WalCheckpointer(db, "process", { intervalMs: 5, backstopBytes: 2_000_000 });
    const records = Array.from({ length: 200 }, (_, i) => ({ i, pad: "x".repeat(200) }));
    for (let b = 0; b < 200; b++) {
      log.append("s", records, undefined, 0);
      if (b % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    // 200 appends of ~44 KB: ~9 MB went through a log that starts over at 2 MB.
    const wal = statSync(`${storePaths(dir).log}-wal`).size;
    assert.ok(wal < 4_000_000, `the log grew to ${wal} bytes`);
    assert.equal(log.read("s", 0, 50_000).records.length, 40_000);
    checkpointer.close();
    db.close();
  });

  it("checkpoints state.db in the background too", async () => {
    const dir = join(root, "c");
    const store = new EmbeddedStore(dir);
    const views = store.viewWriter("p");
    for (let id = 1; id <= 40; id++) {
      for (let k = 0; k < 100; k++) views.upsert("v", `k${id}-${k}`, { pad: "y".repeat(200) }, 0);
      store.commitCheckpoint("p", { id, sources: { in: id }, steps: {} }, 0);
    }
    await grownTo(storePaths(dir).state, 800_000);
    store.close();
  });

  it("touches no file once the store is closed, even when closed right after opening", async () => {
    for (let i = 0; i < 20; i++) {
      const dir = join(root, `quick-${i}`);
      const store = new EmbeddedStore(dir);
      if (i % 2 === 1) store.log.append("s", [{ i }], undefined, 0);
      store.close();
      rmSync(dir, { recursive: true });
    }
    // A worker that opened its connection late would have created the files again by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 0; i < 20; i++) assert.equal(existsSync(join(root, `quick-${i}`)), false);
  });

  it("has closed the worker's connection when close returns, so the store's last close removes the logs", async () => {
    const dir = join(root, "d");
    const store = new EmbeddedStore(dir);
    store.log.append("s", [{ i: 1 }], undefined, 0);
    // Long enough for both workers to have opened their connections.
    await new Promise((resolve) => setTimeout(resolve, 500));
    store.close();
    const { log, state } = storePaths(dir);
    for (const file of [`${log}-wal`, `${log}-shm`, `${state}-wal`, `${state}-shm`]) {
      assert.equal(existsSync(file), false, `${file} is still there: a worker's connection outlived close()`);
    }
  });
});
