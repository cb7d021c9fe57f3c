import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ManualClock } from "../core/clock.js";
import { openDatabase, storePaths } from "../store/sqlite-database.js";
import { StreamLog } from "../store/stream-log.js";
import { streamLogSource } from "./stream-log-source.js";

const root = mkdtempSync(join(tmpdir(), "sluice-stream-log-source-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

function openLog(): StreamLog {
  const db = openDatabase(storePaths(join(root, `d${dirs++}`)).log, "process");
  after(() => db.close());
  return new StreamLog(db);
}

describe("stream log source, live", () => {
  it("reads an append after the appender is done with it, not inside the append", async () => {
    const log = openLog();
    const reader = streamLogSource<{ i: number }>(log, "a").open({ clock: new ManualClock(0), stepId: "a" });
    const pending = reader.next();
    assert.ok(pending instanceof Promise, "nothing to read yet");
    // Let the reader settle into waiting for an append.
    await new Promise((resolve) => setImmediate(resolve));
    log.append("a", [{ i: 0 }, { i: 1 }], [10, 11], 0);
    // Still inside the appender's turn (an ingest request being answered): nothing was read back.
    assert.equal(reader.position(), 0);
    assert.deepEqual(await pending, { partition: 0, items: [{ i: 0 }, { i: 1 }], times: [10, 11] });
    assert.equal(reader.position(), 2);
  });

  it("does not read once closed, even when an append woke it just before", async () => {
    const log = openLog();
    const reader = streamLogSource<{ i: number }>(log, "a").open({ clock: new ManualClock(0), stepId: "a" });
    const pending = reader.next() as Promise<unknown>;
    await new Promise((resolve) => setImmediate(resolve));
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    log.append("a", [{ i: 0 }], [10], 0);
    await reader.close?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(settled, false, "a closed reader reads nothing");
    assert.equal(reader.position(), 0);
  });
});
