import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { EmbeddedStore } from "../store/index.js";
import { createServer } from "./server.js";
import { get, post, readingsStream, startTestServer, type TestServer } from "./server-fixture.js";

const KEYS = {
  admin: "admin-key-0123456789abcdef",
  ingest: "ingest-readings-0123456789",
  ingestOther: "ingest-clicks-0123456789ab",
  reader: "read-stats-0123456789abcd",
};

describe("createServer security", () => {
  it("refuses to start on a non-loopback host without API keys", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-server-security-"));
    const store = new EmbeddedStore(dir);
    try {
      assert.throws(
        () => createServer({ store, streams: [readingsStream()], host: "0.0.0.0" }),
        /refusing to serve on 0\.0\.0\.0 without API keys/,
      );
      assert.doesNotThrow(() =>
        createServer({
          store,
          streams: [],
          host: "0.0.0.0",
          apiKeys: [{ key: KEYS.admin, scopes: ["admin"] }],
        }),
      );
      assert.throws(
        () => createServer({ store, streams: [readingsStream(), readingsStream()] }),
        /declared twice/,
      );
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("with API keys", () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer({
        apiKeys: [
          { key: KEYS.admin, scopes: ["admin"] },
          { key: KEYS.ingest, scopes: ["ingest:readings"] },
          { key: KEYS.ingestOther, scopes: ["ingest:clicks"] },
          { key: KEYS.reader, scopes: ["read:stats", "read:readings"] },
        ],
      });
    });
    after(() => t.close());

    const record = JSON.stringify({ deviceId: "a", temp: 1 });
    const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

    it("lets a key do what its scopes say", async () => {
      const events = `${t.url}/v1/streams/readings/events`;
      assert.equal((await post(events, record, "application/json", bearer(KEYS.ingest))).status, 200);
      assert.equal((await post(events, record, "application/json", { "x-api-key": KEYS.admin })).status, 200);
      assert.equal((await get(`${t.url}/v1/streams/readings`, bearer(KEYS.reader))).status, 200);
      assert.equal((await get(`${t.url}/v1/dlq`, bearer(KEYS.admin))).status, 200);
      assert.equal((await get(`${t.url}/metrics`, bearer(KEYS.admin))).status, 200);
      assert.equal((await get(`${t.url}/healthz`)).status, 200, "health checks need no key");
    });

    it("answers 401 without a key or with an unknown one", async () => {
      const missing = await post(`${t.url}/v1/streams/readings/events`, record);
      assert.equal(missing.status, 401);
      assert.deepEqual(missing.body, { error: { code: "unauthorized", message: "an API key is required" } });
      assert.equal(missing.headers.get("www-authenticate"), 'Bearer realm="sluice"');
      const wrong = await get(`${t.url}/v1/views`, bearer(`${KEYS.admin}x`));
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error.message, "unknown API key");
    });

    it("answers 403 naming the missing scope", async () => {
      const other = await post(
        `${t.url}/v1/streams/readings/events`,
        record,
        "application/json",
        bearer(KEYS.ingestOther),
      );
      assert.equal(other.status, 403);
      assert.deepEqual(other.body.error, {
        code: "forbidden",
        message: "this API key lacks the scope ingest:readings",
        details: { scope: "ingest:readings" },
      });
      assert.equal((await get(`${t.url}/v1/dlq`, bearer(KEYS.reader))).status, 403);
      assert.equal((await get(`${t.url}/metrics`, bearer(KEYS.ingest))).status, 403);
      assert.equal((await get(`${t.url}/v1/views/other`, bearer(KEYS.reader))).status, 403);
    });

    it("lists only the streams a key may read", async () => {
      const reader = await get(`${t.url}/v1/streams`, bearer(KEYS.reader));
      assert.deepEqual(
        reader.body.streams.map((s: { name: string }) => s.name),
        ["readings"],
      );
      const ingester = await get(`${t.url}/v1/streams`, bearer(KEYS.ingestOther));
      assert.deepEqual(ingester.body, { streams: [] });
      assert.equal((await get(`${t.url}/v1/streams`)).status, 401);
    });
  });
});
