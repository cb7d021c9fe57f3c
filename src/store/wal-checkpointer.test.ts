import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { EmbeddedStore } from "./index.js";
import { storePaths } from "./sqlite-database.js";

const root = mkdtempSync(join(tmpdir(), "sluice-wal-checkpointer-"));
after(() => rmSync(root, { recursive: true, force: true }));

describe("WalCheckpointer", () => {
  it("moves appended records from the write-ahead log into log.db in the background", async () => {
    const dir = join(root, "a");
    const store = new EmbeddedStore(dir);
    const records = Array.from({ length: 1000 }, (_, i) => ({ i, pad: "x".repeat(200) }));
    // Under SQLite's own threshold of 1,000 pages, which the appending connection no longer uses anyway.
    for (let b = 0; b < 10; b++) store.log.append("s", records, undefined, 0);
    const path = storePaths(dir).log;
    const deadline = Date.now() + 10_000;
    while (statSync(path).size < 2_000_000) {
      assert.ok(Date.now() < deadline, `log.db is still ${statSync(path).size} bytes: no checkpoint ran`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    store.close();
    const again = new EmbeddedStore(dir);
    assert.equal(again.log.read("s", 0, 20_000).records.length, 10_000);
    again.close();
  });
});
