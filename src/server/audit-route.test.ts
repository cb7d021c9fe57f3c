import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { get, post, startTestServer, type TestServer } from "./server-fixture.js";

const ADMIN = "admin-key-for-the-audit-0001";
const READER = "reader-key-for-the-audit-001";
const INGEST = "ingest-key-for-the-audit-001";

describe("the audit log of admin actions", () => {
  let t: TestServer;
  const logLines: string[] = [];
  const as = (key: string) => ({ authorization: `Bearer ${key}` });

  before(async () => {
    t = await startTestServer({
      apiKeys: [
        { key: ADMIN, scopes: ["admin"], name: "ops-admin" },
        { key: READER, scopes: ["read:*"] },
        { key: INGEST, scopes: ["ingest:*"] },
      ],
      log: { destination: { write: (line: string) => logLines.push(line) } },
    });
  });
  after(() => t.close());

  it("records DLQ reads and replays, SQL queries and refusals, with the key's name and never the key", async () => {
    await post(
      `${t.url}/v1/streams/readings/events`,
      JSON.stringify([{ deviceId: "d1", temp: "x" }]),
      undefined,
      as(INGEST),
    );
    assert.equal((await get(`${t.url}/v1/dlq?stream=readings`, as(ADMIN))).status, 200);
    assert.equal((await get(`${t.url}/v1/dlq`, as(READER))).status, 403);
    const replay = await post(
      `${t.url}/v1/dlq/replay`,
      JSON.stringify({ stream: "readings" }),
      undefined,
      as(ADMIN),
    );
    assert.equal(replay.status, 200);
    await post(`${t.url}/v1/query`, JSON.stringify({ sql: "SELECT 1 AS one" }), undefined, as(READER));
    // Not audited: ingest, and reads of views and streams.
    await get(`${t.url}/v1/streams`, as(READER));

    const audit = await get(`${t.url}/v1/audit`, as(ADMIN));
    assert.equal(audit.status, 200);
    const entries = audit.body.entries as Array<Record<string, unknown>>;
    assert.deepEqual(
      entries.map((e) => [e.action, e.method, e.route, e.status, e.keyId]),
      [
        ["dlq.read", "GET", "/v1/dlq", 200, "ops-admin"],
        ["dlq.read", "GET", "/v1/dlq", 403, entries[1]!.keyId],
        ["dlq.replay", "POST", "/v1/dlq/replay", 200, "ops-admin"],
        ["query", "POST", "/v1/query", 200, entries[3]!.keyId],
      ],
    );
    assert.match(String(entries[1]!.keyId), /^sha256:[0-9a-f]{12}$/);
    assert.deepEqual(entries[0]!.counts, { entries: 1 });
    assert.equal(entries[0]!.target, "readings");
    assert.equal(entries[0]!.at, t.clock.now());
    assert.deepEqual(entries[2]!.counts, { selected: 1, accepted: 0, rejected: 1 });
    assert.equal(entries[3]!.target, "SELECT 1 AS one");
    assert.deepEqual(entries[3]!.counts, { rows: 1 });

    // Paging, and reading the audit log is itself audited.
    const page = await get(`${t.url}/v1/audit?limit=2&afterId=${entries[1]!.id}`, as(ADMIN));
    assert.deepEqual(
      page.body.entries.map((e: { action: string }) => e.action),
      ["dlq.replay", "query"],
    );
    assert.equal(page.body.nextAfterId, entries[3]!.id);
    const rest = await get(`${t.url}/v1/audit?afterId=${entries[3]!.id}`, as(ADMIN));
    assert.deepEqual(
      rest.body.entries.map((e: { action: string }) => e.action),
      ["audit.read", "audit.read"],
    );
    assert.equal((await get(`${t.url}/v1/audit`, as(READER))).status, 403);

    // Also in the structured log; no key anywhere in it.
    const audited = logLines.map((line) => JSON.parse(line)).filter((event) => event.audit !== undefined);
    assert.ok(
      audited.some((event) => event.audit.action === "dlq.replay" && event.audit.keyId === "ops-admin"),
    );
    for (const key of [ADMIN, READER, INGEST]) assert.ok(!logLines.join("").includes(key));
    const stored = t.store.stateDb.prepare("SELECT count(*) FROM audit_log").pluck().get();
    assert.ok((stored as number) >= 7);
  });
});
