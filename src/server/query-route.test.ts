import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { get, post, startTestServer, type TestServer } from "./server-fixture.js";

const query = (t: TestServer, sql: string, params = "") =>
  post(`${t.url}/v1/query${params}`, JSON.stringify({ sql }));

describe("POST /v1/query", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    const views = t.store.viewWriter("iot");
    views.upsert("device_stats", '"d1"', { n: 3, avgTemp: 20.5 }, 10);
    views.upsert("device_stats", '"d2"', { n: 5, avgTemp: 22 }, 30);
    views.upsert("device_stats", '"d3"', { n: 1, avgTemp: 19 }, 20);
    t.store.commitCheckpoint("iot", { id: 1, sources: {}, steps: {} }, 30);
    const ingest = await post(
      `${t.url}/v1/streams/readings/events`,
      JSON.stringify([
        { deviceId: "d1", temp: 21 },
        { deviceId: "d2", temp: 23 },
      ]),
    );
    assert.equal(ingest.status, 200);
  });
  after(() => t.close());

  it("selects from a view", async () => {
    const reply = await query(t, "SELECT key, value, updated_at FROM device_stats ORDER BY key");
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body.columns, ["key", "value", "updated_at"]);
    assert.deepEqual(reply.body.rows, [
      ['"d1"', '{"n":3,"avgTemp":20.5}', 10],
      ['"d2"', '{"n":5,"avgTemp":22}', 30],
      ['"d3"', '{"n":1,"avgTemp":19}', 20],
    ]);
    assert.equal(reply.body.truncated, false);
  });

  it("reads JSON fields with json_extract, and streams as well as views", async () => {
    const reply = await query(
      t,
      "SELECT json_extract(key, '$') AS device, json_extract(value, '$.n') AS n FROM device_stats WHERE json_extract(value, '$.avgTemp') > 20 ORDER BY n DESC",
    );
    assert.deepEqual(reply.body, {
      columns: ["device", "n"],
      rows: [
        ["d2", 5],
        ["d1", 3],
      ],
      truncated: false,
    });
    const stream = await query(
      t,
      "SELECT offset, json_extract(value, '$.temp') FROM readings ORDER BY offset",
    );
    assert.deepEqual(stream.body.rows, [
      [0, 21],
      [1, 23],
    ]);
  });

  it("caps rows with ?limit and says so", async () => {
    const reply = await query(t, "SELECT key FROM device_stats ORDER BY key", "?limit=2");
    assert.deepEqual(reply.body.rows, [['"d1"'], ['"d2"']]);
    assert.equal(reply.body.truncated, true);
    const bad = await query(t, "SELECT 1", "?limit=100000");
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "bad_parameter");
  });

  it("refuses writes and multiple statements, and nothing changes", async () => {
    const refused = [
      "INSERT INTO view_rows (view, key, value, updated_at) VALUES ('device_stats', 'x', '1', 1)",
      "UPDATE view_rows SET value = '0'",
      "DELETE FROM view_rows",
      "DELETE FROM device_stats",
      "DROP TABLE view_rows",
      "DROP VIEW device_stats",
      "CREATE TABLE t (x)",
      "CREATE TEMP TABLE t (x)",
      "ATTACH DATABASE ':memory:' AS m",
      "DETACH DATABASE log",
      "PRAGMA journal_mode = DELETE",
      "PRAGMA query_only = OFF",
      "PRAGMA user_version = 7",
      "BEGIN",
      "VACUUM",
      "WITH x AS (SELECT 1) DELETE FROM view_rows",
      "REPLACE INTO view_rows VALUES ('a', 'b', '1', 1)",
    ];
    for (const sql of refused) {
      const reply = await query(t, sql);
      assert.equal(reply.status, 400, sql);
      assert.ok(["not_read_only", "invalid_sql"].includes(reply.body.error.code), sql);
    }
    assert.equal((await query(t, "DELETE FROM view_rows")).body.error.code, "not_read_only");
    for (const sql of ["SELECT 1; DELETE FROM view_rows", "SELECT 1; SELECT 2"]) {
      const reply = await query(t, sql);
      assert.equal(reply.status, 400, sql);
      assert.equal(reply.body.error.code, "invalid_sql", sql);
      assert.match(reply.body.error.message, /one SQL statement/);
    }
    const rows = await get(`${t.url}/v1/views/device_stats`);
    assert.equal(rows.body.rows.length, 3);
    const after = await query(t, "SELECT count(*) FROM device_stats");
    assert.deepEqual(after.body.rows, [[3]]);
    assert.equal(t.store.stateDb.pragma("user_version", { simple: true }), 0);
  });

  it("answers 400 naming the problem for a syntax error or a bad body", async () => {
    const syntax = await query(t, "SELEC key FROM device_stats");
    assert.equal(syntax.status, 400);
    assert.equal(syntax.body.error.code, "invalid_sql");
    assert.match(syntax.body.error.message, /SELEC/);
    const missing = await query(t, "SELECT nope FROM device_stats");
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /no such column: nope/);
    for (const body of ["{}", '{"sql": 1}', "[]", '{"sql": "  "}']) {
      const reply = await post(`${t.url}/v1/query`, body);
      assert.equal(reply.status, 400, body);
      assert.equal(reply.body.error.code, "invalid_sql", body);
    }
  });

  it("sees views written after the first query", async () => {
    t.store.viewWriter("iot").upsert("late_view", '"z"', { ok: true }, 50);
    t.store.commitCheckpoint("iot", { id: 2, sources: {}, steps: {} }, 50);
    const reply = await query(t, "SELECT json_extract(value, '$.ok') FROM late_view");
    assert.deepEqual(reply.body.rows, [[1]]);
  });

  it("refuses SQL that reads anything but views and streams (dead letters, idempotency replies, state, schema)", async () => {
    const rejected = await post(`${t.url}/v1/streams/readings/events`, JSON.stringify([{ temp: "hot" }]));
    assert.equal(rejected.body.rejected, 1);
    const hidden = [
      ["SELECT * FROM dead_letters", "dead_letters"],
      ["SELECT count(*) FROM main.dead_letters", "dead_letters"],
      ["SELECT key FROM device_stats WHERE key IN (SELECT record FROM dead_letters)", "dead_letters"],
      ["WITH d AS (SELECT * FROM dead_letters) SELECT count(*) FROM d", "dead_letters"],
      ["SELECT * FROM checkpoints", "checkpoints"],
      ["SELECT name FROM sqlite_master", "sqlite_master"],
    ];
    for (const [sql, table] of hidden) {
      const reply = await query(t, sql!);
      assert.equal(reply.status, 403, sql);
      assert.equal(reply.body.error.code, "table_not_readable", sql);
      assert.equal(reply.body.error.details.table, table, sql);
    }
    const idempotency = t.store.stateDb
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%idempot%'")
      .pluck()
      .all() as string[];
    for (const table of idempotency) assert.equal((await query(t, `SELECT * FROM ${table}`)).status, 403);
    // Views, streams, their base tables and table-valued functions stay readable.
    for (const sql of [
      "SELECT count(*) FROM view_rows",
      "SELECT name, start_offset, end_offset FROM log.streams",
      "SELECT count(*) FROM readings",
      "SELECT d.key, r.offset FROM device_stats d JOIN readings r ON json_extract(r.value, '$.deviceId') = json_extract(d.key, '$')",
      "SELECT value FROM json_each('[1,2]')",
      "EXPLAIN SELECT * FROM dead_letters",
    ]) {
      assert.equal((await query(t, sql)).status, 200, sql);
    }
  });

  it("stops a query over views that runs past the time limit with 408", async () => {
    const views = t.store.viewWriter("iot");
    for (let i = 0; i < 2000; i++) views.upsert("big", `"${i}"`, i, i);
    t.store.commitCheckpoint("iot", { id: 3, sources: {}, steps: {} }, 60);
    const started = Date.now();
    const reply = await query(t, "SELECT count(*) FROM big a, big b, big c");
    assert.equal(reply.status, 408);
    assert.equal(reply.body.error.code, "query_timeout");
    assert.ok(Date.now() - started < 10_000);
    assert.equal((await query(t, "SELECT count(*) FROM big")).body.rows[0][0], 2000);
  });
});

describe("POST /v1/query with API keys", () => {
  it("needs read:* or admin", async () => {
    const keys = { one: "o".repeat(20), all: "a".repeat(20), admin: "d".repeat(20) };
    const t = await startTestServer({
      apiKeys: [
        { key: keys.one, scopes: ["read:device_stats"] },
        { key: keys.all, scopes: ["read:*"] },
        { key: keys.admin, scopes: ["admin"] },
      ],
    });
    try {
      const body = JSON.stringify({ sql: "SELECT 1" });
      const ask = (key: string) => post(`${t.url}/v1/query`, body, "application/json", { "x-api-key": key });
      assert.equal((await post(`${t.url}/v1/query`, body)).status, 401);
      const denied = await ask(keys.one);
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.details.scope, "read:*");
      assert.deepEqual((await ask(keys.all)).body.rows, [[1]]);
      assert.deepEqual((await ask(keys.admin)).body.rows, [[1]]);
    } finally {
      await t.close();
    }
  });
});

describe("POST /v1/query over NDJSON lines that repeat a key", () => {
  for (const ndjsonWorker of [false, true]) {
    it(`sees the values validation accepted, never the repeated ones (ndjsonWorker: ${ndjsonWorker})`, async () => {
      const t = await startTestServer({ ndjsonWorker });
      try {
        // JSON.parse keeps a repeated key's last value, SQLite's json_extract its first.
        const lines = [
          '{"deviceId":"d1","unit":"C","temp":"<script>","temp":21.5}',
          '{"deviceId":"d2","unit":"C","temp":99999,"temp":20}',
        ].join("\n");
        const ack = await post(`${t.url}/v1/streams/readings/events`, lines, "application/x-ndjson");
        assert.equal(ack.body.accepted, 2);
        const reply = await query(t, "SELECT json_extract(value, '$.temp') FROM readings ORDER BY offset");
        assert.deepEqual(reply.body.rows, [[21.5], [20]]);
      } finally {
        await t.close();
      }
    });
  }
});
