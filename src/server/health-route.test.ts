import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { get, startTestServer } from "./server-fixture.js";

describe("GET /healthz, /readyz", () => {
  it("answers ok, and ready while the store is open and the check says so", async () => {
    let ready: boolean | string = true;
    const t = await startTestServer({ ready: () => ready });
    try {
      const health = await get(`${t.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(health.body, { status: "ok" });
      assert.equal((await get(`${t.url}/readyz`)).status, 200);
      ready = "pipeline iot catching up";
      const notReady = await get(`${t.url}/readyz`);
      assert.equal(notReady.status, 503);
      assert.deepEqual(notReady.body, { error: { code: "not_ready", message: "pipeline iot catching up" } });
      ready = true;
      t.store.close();
      const closed = await get(`${t.url}/readyz`);
      assert.equal(closed.status, 503);
      assert.equal(closed.body.error.message, "the store is closed");
    } finally {
      await t.server.close();
      const { rmSync } = await import("node:fs");
      rmSync(t.dir, { recursive: true, force: true });
    }
  });
});
