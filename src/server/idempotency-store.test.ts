import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openDatabase } from "../store/sqlite-database.js";
import { IdempotencyStore, type StoredReply } from "./idempotency-store.js";

/** A reply persisted (as the ingest route does, inside its append's transaction) and cached once committed. */
function put(store: IdempotencyStore, stream: string, key: string, reply: StoredReply, now: number): void {
  store.persist(stream, key, reply, now);
  store.rememberCommitted(stream, key, reply, now);
}

describe("IdempotencyStore", () => {
  it("remembers replies per stream and key, across a reopen", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-idem-"));
    try {
      const path = join(dir, "state.db");
      let db = openDatabase(path, "process");
      const store = new IdempotencyStore(db, { capacity: 2 });
      put(store, "a", "k1", { status: 200, body: { accepted: 1 } }, 1000);
      put(store, "a", "k2", { status: 200, body: { accepted: 2 } }, 1000);
      put(store, "a", "k3", { status: 422, body: { accepted: 0 } }, 1000);
      assert.deepEqual(
        store.get("a", "k1", 1000),
        { status: 200, body: { accepted: 1 } },
        "evicted from memory, read from the table",
      );
      assert.equal(store.get("b", "k1", 1000), undefined, "keys are per stream");
      db.close();
      db = openDatabase(path, "process");
      const reopened = new IdempotencyStore(db);
      assert.deepEqual(reopened.get("a", "k3", 2000), { status: 422, body: { accepted: 0 } });
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("forgets keys older than the TTL", () => {
    const db = openDatabase(":memory:", "process");
    const store = new IdempotencyStore(db, { ttlMs: 100 });
    put(store, "a", "k", { status: 200, body: {} }, 1000);
    assert.notEqual(store.get("a", "k", 1100), undefined);
    assert.equal(store.get("a", "k", 1101), undefined);
    db.close();
  });
});
