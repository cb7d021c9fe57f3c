import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openDatabase, storePaths } from "./sqlite-database.js";

const root = mkdtempSync(join(tmpdir(), "sluice-sqlite-database-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("openDatabase", () => {
  it("creates the directory and opens in WAL mode with the sync level of the durability mode", () => {
    const paths = storePaths(join(root, "nested", "data"));
    assert.equal(paths.log, join(root, "nested", "data", "log.db"));
    assert.equal(paths.state, join(root, "nested", "data", "state.db"));
    const process = openDatabase(paths.log, "process");
    const machine = openDatabase(paths.state, "machine");
    for (const db of [process, machine]) {
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
      assert.ok((db.pragma("busy_timeout", { simple: true }) as number) > 0);
    }
    assert.equal(process.pragma("synchronous", { simple: true }), 1, "NORMAL");
    assert.equal(machine.pragma("synchronous", { simple: true }), 2, "FULL");
    process.close();
    machine.close();
  });

  it("keeps committed data across close and reopen", () => {
    const path = join(root, "reopen", "x.db");
    const db = openDatabase(path, "process");
    db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept')");
    db.close();
    const again = openDatabase(path, "machine");
    assert.equal(again.prepare("SELECT v FROM t").pluck().get(), "kept");
    again.close();
  });

  it("rejects an unknown durability mode", () => {
    assert.throws(() => openDatabase(join(root, "bad.db"), "disk" as never), /"process" or "machine"/);
  });
});
