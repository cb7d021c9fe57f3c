import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { get, startTestServer, type TestServer } from "./server-fixture.js";

describe("GET /v1/views", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    const views = t.store.viewWriter("iot");
    views.upsert("device_stats", '"d1"', { n: 3 }, 10);
    views.upsert("device_stats", '"d2"', { n: 5 }, 30);
    views.upsert("device_stats", '"d3"', { n: 1 }, 20);
    t.store.commitCheckpoint("iot", { id: 1, sources: {}, steps: {} }, 30);
    views.upsert("device_stats", '"d4"', { n: 9 }, 40); // not committed: never visible
  });
  after(() => t.close());

  it("lists views with their row counts", async () => {
    const reply = await get(`${t.url}/v1/views`);
    assert.deepEqual(reply.body, { views: [{ name: "device_stats", rows: 3, pipeline: "iot" }] });
  });

  it("pages through rows by key or by update time", async () => {
    const byKey = await get(`${t.url}/v1/views/device_stats?limit=2`);
    assert.equal(byKey.status, 200);
    assert.deepEqual(
      byKey.body.rows.map((r: { key: string }) => r.key),
      ['"d1"', '"d2"'],
    );
    const next = await get(`${t.url}/v1/views/device_stats?limit=2&offset=2`);
    assert.deepEqual(next.body.rows, [{ key: '"d3"', value: { n: 1 }, updatedAt: 20 }]);
    const recent = await get(`${t.url}/v1/views/device_stats?order=updated`);
    assert.deepEqual(
      recent.body.rows.map((r: { key: string }) => r.key),
      ['"d2"', '"d3"', '"d1"'],
    );
  });

  it("looks up one key, as stored or as a bare string", async () => {
    const stored = await get(`${t.url}/v1/views/device_stats?key=${encodeURIComponent('"d2"')}`);
    assert.deepEqual(stored.body, {
      view: "device_stats",
      rows: [{ key: '"d2"', value: { n: 5 }, updatedAt: 30 }],
    });
    const bare = await get(`${t.url}/v1/views/device_stats?key=d2`);
    assert.deepEqual(bare.body, stored.body);
    const none = await get(`${t.url}/v1/views/device_stats?key=d4`);
    assert.deepEqual(none.body, { view: "device_stats", rows: [] });
  });

  it("answers 404 for an unknown view and 400 for bad parameters", async () => {
    const missing = await get(`${t.url}/v1/views/nope`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "unknown_view");
    for (const q of ["limit=-1", "limit=abc", "limit=1000000", "offset=1.5", "order=sideways"]) {
      const bad = await get(`${t.url}/v1/views/device_stats?${q}`);
      assert.equal(bad.status, 400, q);
      assert.equal(bad.body.error.code, "bad_parameter", q);
    }
  });
});
