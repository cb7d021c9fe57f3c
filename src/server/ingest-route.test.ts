import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EmbeddedStore } from "../store/index.js";
import { post, startTestServer, type TestServer } from "./server-fixture.js";

describe("POST /v1/streams/:stream/events", () => {
  let t: TestServer;
  let events: string;
  before(async () => {
    t = await startTestServer();
    events = `${t.url}/v1/streams/readings/events`;
  });
  after(() => t.close());

  it("accepts one JSON object, cleansed, with its event time, durable once answered", async () => {
    const start = t.store.log.endOffset("readings");
    const reply = await post(events, JSON.stringify({ deviceId: " d1 ", temp: "21.5", ts: 1000 }));
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, {
      accepted: 1,
      rejected: 0,
      offsets: { first: start, last: start },
      errors: [],
    });
    const read = t.store.log.read("readings", start, 10);
    assert.deepEqual(read.records, [{ deviceId: "d1", temp: 21.5, ts: 1000, unit: "C" }]);
    assert.deepEqual(read.eventTimes, [1000]);
  });

  it("accepts a JSON array, answering per index for the rejected ones, which go to the DLQ", async () => {
    const start = t.store.log.endOffset("readings");
    const body = [
      { deviceId: "d1", temp: 1, ts: "2024-05-01T00:00:00Z" },
      { deviceId: "d2", temp: "hot" },
      { temp: 3 },
      { deviceId: "d4", temp: 4 },
    ];
    const reply = await post(events, JSON.stringify(body));
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, {
      accepted: 2,
      rejected: 2,
      offsets: { first: start, last: start + 1 },
      errors: [
        { index: 1, reason: "/temp: must be number" },
        { index: 2, reason: "/deviceId: is required" },
      ],
    });
    assert.deepEqual(t.store.log.read("readings", start, 10).eventTimes, [
      Date.parse("2024-05-01T00:00:00Z"),
      null,
    ]);
    const dead = t.store.deadLetters().list({ stream: "readings", order: "desc", limit: 2 }).reverse();
    assert.deepEqual(
      dead.map((d) => [d.stepId, d.reason, d.record, d.error, d.origin, d.at]),
      [
        [
          "ingest",
          "invalid",
          { deviceId: "d2", temp: "hot", unit: "C" },
          "record 1: /temp: must be number",
          { stream: "readings" },
          t.clock.now(),
        ],
        [
          "ingest",
          "invalid",
          { temp: 3, unit: "C" },
          "record 2: /deviceId: is required",
          { stream: "readings" },
          t.clock.now(),
        ],
      ],
    );
  });

  it("answers 422 with an error naming the record when every record is rejected", async () => {
    const reply = await post(events, JSON.stringify({ deviceId: "d1", temp: 5000 }));
    assert.equal(reply.status, 422);
    assert.equal(reply.body.error.code, "invalid_records");
    assert.match(reply.body.error.message, /record 0 rejected: \/temp: must be <= 1000/);
    assert.equal(reply.body.accepted, 0);
    assert.equal(reply.body.offsets, null);
  });

  it("parses NDJSON streamed in chunks that split lines and characters", async () => {
    const start = t.store.log.endOffset("readings");
    const lines = Array.from({ length: 500 }, (_, i) =>
      JSON.stringify({ deviceId: `d-é-${i}`, temp: i % 100, ts: i }),
    );
    const bytes = Buffer.from(`${lines.join("\r\n")}\n\n`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
    const response = await fetch(events, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(next);
        },
      }),
      duplex: "half",
    } as RequestInit);
    const body = await response.json();
    assert.equal(response.status, 200);
    assert.deepEqual(body, {
      accepted: 500,
      rejected: 0,
      offsets: { first: start, last: start + 499 },
      errors: [],
    });
    const read = t.store.log.read("readings", start, 1000);
    assert.equal((read.records[499] as { deviceId: string }).deviceId, "d-é-499");
  });

  it("stores NDJSON records as sent when cleansing leaves them alone, and as cleansed when it does not", async () => {
    const start = t.store.log.endOffset("readings");
    const lines = [
      ' { "deviceId" : "d1", "temp" : 1.50, "ts" : 1000, "unit" : "F" } ',
      '{"deviceId":" d2 ","temp":"2","ts":2000,"unit":"C"}',
      '{"deviceId":"d3","temp":3,"ts":3000}',
      '{"deviceId":"d4","temp":4,"unit":"C","tags":{"a":"\u00e9"}}',
    ];
    const reply = await post(events, `${lines.join("\n")}\n`, "application/x-ndjson");
    assert.equal(reply.status, 200);
    assert.deepEqual(t.store.log.read("readings", start, 10), {
      offsets: [start, start + 1, start + 2, start + 3],
      eventTimes: [1000, 2000, 3000, null],
      records: [
        { deviceId: "d1", temp: 1.5, ts: 1000, unit: "F" },
        { deviceId: "d2", temp: 2, ts: 2000, unit: "C" },
        { deviceId: "d3", temp: 3, ts: 3000, unit: "C" },
        { deviceId: "d4", temp: 4, unit: "C", tags: { a: "é" } },
      ],
    });
  });

  it("names the line of malformed NDJSON and appends nothing", async () => {
    const end = t.store.log.endOffset("readings");
    const reply = await post(events, '{"deviceId":"a","temp":1}\n{"deviceId":\n', "application/x-ndjson");
    assert.equal(reply.status, 400);
    assert.equal(reply.body.error.code, "malformed_ndjson");
    assert.match(reply.body.error.message, /^line 2: malformed JSON/);
    assert.deepEqual(reply.body.error.details, { line: 2, index: 1 });
    assert.equal(t.store.log.endOffset("readings"), end);
  });

  it("answers 404 for an unknown stream, before reading the body", async () => {
    const reply = await post(`${t.url}/v1/streams/nope/events`, "{}");
    assert.equal(reply.status, 404);
    assert.equal(reply.body.error.code, "unknown_stream");
    assert.deepEqual(reply.body.error.details, { streams: ["readings"] });
  });
});

describe("Idempotency-Key", () => {
  it("makes a retry return the first reply without appending again, also after a restart", async () => {
    let t = await startTestServer();
    const dir = t.dir;
    try {
      const events = `${t.url}/v1/streams/readings/events`;
      const body = JSON.stringify([
        { deviceId: "a", temp: 1 },
        { deviceId: "b", temp: "x" },
      ]);
      const headers = { "idempotency-key": "req-42" };
      const first = await post(events, body, "application/json", headers);
      assert.equal(first.status, 200);
      const dlqAfterFirst = t.store.deadLetters().count({ stream: "readings" });
      const retry = await post(events, body, "application/json", headers);
      assert.equal(retry.status, 200);
      assert.deepEqual(retry.body, first.body);
      assert.equal(retry.headers.get("idempotent-replayed"), "true");
      assert.equal(t.store.log.endOffset("readings"), 1, "appended once");
      assert.equal(t.store.deadLetters().count({ stream: "readings" }), dlqAfterFirst, "dead-lettered once");
      const other = await post(events, body, "application/json", { "idempotency-key": "req-43" });
      assert.deepEqual(other.body.offsets, { first: 1, last: 1 }, "another key appends");

      await t.close({ keepDir: true });
      t = await startTestServer({ dir, store: new EmbeddedStore(dir) });
      const afterRestart = await post(
        `${t.url}/v1/streams/readings/events`,
        body,
        "application/json",
        headers,
      );
      assert.deepEqual(afterRestart.body, first.body);
      assert.equal(t.store.log.endOffset("readings"), 2);
    } finally {
      await t.close();
    }
  });

  it("refuses a malformed key", async () => {
    const t = await startTestServer();
    try {
      const reply = await post(`${t.url}/v1/streams/readings/events`, "{}", "application/json", {
        "idempotency-key": "has space",
      });
      assert.equal(reply.status, 400);
      assert.equal(reply.body.error.code, "bad_idempotency_key");
    } finally {
      await t.close();
    }
  });
});

describe("Idempotency-Key replies commit with the records they acknowledge", () => {
  it("a reply that cannot be stored rolls the append back: nothing is acknowledged, nothing is in the log", async () => {
    const t = await startTestServer();
    try {
      const events = `${t.url}/v1/streams/readings/events`;
      const body = JSON.stringify([{ deviceId: "a", temp: 1 }]);
      // Make storing replies fail (the table is gone), as a crash between two commits once could.
      t.store.logDb.exec("DROP TABLE ingest_idempotency");
      const failed = await post(events, body, "application/json", { "idempotency-key": "k-1" });
      assert.equal(failed.status, 500);
      assert.equal(t.store.log.endOffset("readings"), 0, "the append went with the reply");
      const plain = await post(events, body);
      assert.deepEqual(plain.body.offsets, { first: 0, last: 0 }, "offsets were not used up");
    } finally {
      await t.close();
    }
  });

  it("replies an older version stored in state.db still answer retries after an upgrade", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "sluice-idempotency-upgrade-"));
    const old = new EmbeddedStore(dir);
    old.stateDb.exec(`CREATE TABLE ingest_idempotency (stream TEXT NOT NULL, key TEXT NOT NULL,
      status INTEGER NOT NULL, reply TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (stream, key))`);
    const stored = { accepted: 1, rejected: 0, offsets: { first: 0, last: 0 }, errors: [] };
    old.stateDb
      .prepare("INSERT INTO ingest_idempotency VALUES (?, ?, ?, ?, ?)")
      .run("readings", "before-upgrade", 200, JSON.stringify(stored), 1_700_000_000_000);
    old.log.append("readings", [{ deviceId: "a", temp: 1 }], [null], 1_700_000_000_000);
    old.close();
    const t = await startTestServer({ dir });
    try {
      const retry = await post(
        `${t.url}/v1/streams/readings/events`,
        JSON.stringify([{ deviceId: "a", temp: 1 }]),
        "application/json",
        { "idempotency-key": "before-upgrade" },
      );
      assert.equal(retry.headers.get("idempotent-replayed"), "true");
      assert.deepEqual(retry.body, stored);
      assert.equal(t.store.log.endOffset("readings"), 1, "nothing appended again");
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
