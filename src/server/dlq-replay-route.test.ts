import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { decryptField, encryptField, hashField } from "./pii-key.js";
import { get, post, readingsStream, startTestServer, type TestServer } from "./server-fixture.js";
import { defineStream } from "./stream-definition.js";

const KEY = "a1".repeat(32);

/** A second version of "readings" that accepts temperatures as strings too (the "fix" before a replay). */
const lenientReadings = defineStream({
  name: "readings_v2",
  schema: {
    type: "object",
    properties: { deviceId: { type: "string" }, temp: { type: ["number", "string"] } },
    required: ["deviceId", "temp"],
  },
});

const cards = defineStream({
  name: "cards",
  schema: {
    type: "object",
    properties: {
      id: { type: "integer" },
      number: { type: "string", pattern: "^[0-9]{16}$" },
      holder: { type: "string", pattern: "^[A-Z][a-z]+ [A-Z][a-z]+$" },
      ssn: { type: "string", pattern: "^[0-9]{3}-[0-9]{2}-[0-9]{4}$" },
      ok: { const: true },
    },
    required: ["id", "number", "ssn", "ok"],
  },
  pii: { number: "hash", holder: "encrypt", ssn: "drop" },
});

describe("POST /v1/dlq/replay", () => {
  let t: TestServer;
  const replay = (body: unknown) => post(`${t.url}/v1/dlq/replay`, JSON.stringify(body));
  const deadIds = async (query = "stream=readings") =>
    (await get(`${t.url}/v1/dlq?${query}&limit=1000`)).body.entries.map(
      (e: { id: number }) => e.id,
    ) as number[];

  before(async () => {
    t = await startTestServer({ streams: [readingsStream(), lenientReadings, cards], piiKey: KEY });
  });
  after(() => t.close());
  beforeEach(() => {
    t.store.deadLetters().clear();
  });

  it("replays into another stream, marks the entries replayed, and a retry appends nothing", async () => {
    const bad = [1, 2, 3].map((i) => ({ deviceId: `d${i}`, temp: `warm-${i}` }));
    const ingest = await post(`${t.url}/v1/streams/readings/events`, JSON.stringify(bad));
    assert.equal(ingest.status, 422);
    const ids = await deadIds();
    assert.equal(ids.length, 3);

    const first = await replay({ ids, stream: "readings_v2" });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, {
      selected: 3,
      accepted: 3,
      rejected: 0,
      offsets: { first: 0, last: 2 },
      errors: [],
    });
    const log = t.store.log.read("readings_v2", 0, 10).records;
    assert.deepEqual(
      log.map((r) => (r as { temp: string }).temp),
      ["warm-1", "warm-2", "warm-3"],
    );

    const entries = (await get(`${t.url}/v1/dlq?stream=readings`)).body.entries;
    assert.equal(entries.length, 3, "replayed entries are kept");
    assert.equal(entries[0].replayedAt, t.clock.now());
    assert.deepEqual(entries[0].replayedTo, { stream: "readings_v2", offset: 0 });
    assert.deepEqual(await deadIds("stream=readings&replayed=false"), []);
    assert.deepEqual(await deadIds("stream=readings&replayed=true"), ids);

    const retry = await replay({ ids, stream: "readings_v2" });
    assert.equal(retry.body.accepted, 0);
    assert.equal(retry.body.rejected, 3);
    assert.equal(retry.body.offsets, null);
    assert.match(retry.body.errors[0].reason, /^already replayed at .* into readings_v2 at offset 0$/);
    assert.equal(t.store.log.endOffset("readings_v2"), 3, "nothing appended twice");
  });

  it("an entry appended by a replay whose ledger mark was lost (a crash between the two files) is never appended again", async () => {
    await post(`${t.url}/v1/streams/readings/events`, JSON.stringify([{ deviceId: "d9", temp: "warm" }]));
    const [entry] = (await get(`${t.url}/v1/dlq?stream=readings`)).body.entries;
    // What a kill -9 right after the append leaves: the record and its replay mark in log.db, the ledger
    // in state.db unmarked.
    const end = t.store.log.endOffset("readings_v2");
    t.store.replays.append("readings_v2", [entry], [entry.record], [null], t.clock.now());
    assert.deepEqual(await deadIds("stream=readings&replayed=false"), [entry.id]);

    const retry = await replay({ ids: [entry.id], stream: "readings_v2" });
    assert.equal(retry.status, 200);
    assert.equal(retry.body.accepted, 0);
    assert.equal(retry.body.offsets, null);
    assert.match(
      retry.body.errors[0].reason,
      new RegExp(`^already replayed at .* into readings_v2 at offset ${end}$`),
    );
    assert.equal(t.store.log.endOffset("readings_v2"), end + 1, "appended once");
    const [marked] = (await get(`${t.url}/v1/dlq?stream=readings`)).body.entries;
    assert.deepEqual(marked.replayedTo, { stream: "readings_v2", offset: end });
  });

  it("by stream: replays what now passes, leaves what fails again without dead-lettering it twice", async () => {
    // Dead letters written as if by an older schema: one now passes, one still fails.
    const ledger = t.store.deadLetters();
    const passes = ledger.writeNow({
      stepId: "ingest",
      reason: "invalid",
      record: { deviceId: " d9 ", temp: "21.5" },
      time: Number.NaN,
      at: 1,
      origin: { stream: "readings" },
    });
    const fails = ledger.writeNow({
      stepId: "ingest",
      reason: "invalid",
      record: { deviceId: "d8", temp: "hot" },
      time: Number.NaN,
      at: 1,
      origin: { stream: "readings" },
    });
    const late = ledger.writeNow({
      stepId: "window",
      reason: "late",
      record: { deviceId: "d7", temp: 3 },
      time: 5,
      at: 1,
      origin: { stream: "readings" },
    });
    const end = t.store.log.endOffset("readings");
    const reply = await replay({ stream: "readings", reason: "invalid" });
    assert.deepEqual(reply.body, {
      selected: 2,
      accepted: 1,
      rejected: 1,
      offsets: { first: end, last: end },
      errors: [{ id: fails, reason: "/temp: must be number" }],
    });
    // Cleansed like a POST (trim, coerce, defaults).
    assert.deepEqual(t.store.log.read("readings", end, 1).records, [
      { deviceId: "d9", temp: 21.5, unit: "C" },
    ]);
    assert.equal(ledger.count(), 3, "the failing entry is not dead-lettered a second time");
    assert.equal(ledger.get(passes)!.replayedAt, t.clock.now());
    assert.equal(ledger.get(fails)!.replayedAt, undefined);
    assert.equal(ledger.get(late)!.replayedAt, undefined, "the reason filter left it alone");
    // By stream, only entries not yet replayed are selected.
    const again = await replay({ stream: "readings", limit: 10 });
    assert.equal(again.body.selected, 2);
    assert.equal(again.body.accepted, 1);
  });

  it("reports entries without an origin, unknown ids, and answers 400/404 for bad bodies", async () => {
    const orphan = t.store.deadLetters().writeNow({
      stepId: "map",
      reason: "failed",
      record: { deviceId: "d1", temp: 1 },
      time: 0,
      at: 1,
    });
    const reply = await replay({ ids: [orphan, 999_999] });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body.errors, [
      { id: orphan, reason: "no origin stream; pass stream" },
      { id: 999_999, reason: "no such dead letter" },
    ]);
    assert.equal(reply.body.selected, 2);
    const into = await replay({ ids: [orphan], stream: "readings" });
    assert.equal(into.body.accepted, 1);

    for (const body of [
      {},
      { reason: "invalid" },
      { ids: [] },
      { ids: [1.5] },
      { stream: "readings", limit: 10_001 },
      { stream: "readings", reason: "bored" },
      { stream: "readings", extra: 1 },
      [1],
    ]) {
      const bad = await replay(body);
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(bad.body.error.code, "bad_request");
    }
    assert.equal((await replay({ stream: "nope" })).body.error.code, "unknown_stream");
    assert.equal((await post(`${t.url}/v1/dlq/replay`, "{")).body.error.code, "malformed_json");
  });

  it("restores encrypted fields for validation, exempts hashed and dropped ones, and protects the record again", async () => {
    const bad = { id: 1, number: "4111111111111111", holder: "Ada Lovelace", ssn: "123-45-6789", ok: false };
    assert.equal((await post(`${t.url}/v1/streams/cards/events`, JSON.stringify(bad))).status, 422);
    const [entry] = (await get(`${t.url}/v1/dlq?stream=cards`)).body.entries;
    assert.equal(entry.record.number, hashField("4111111111111111", KEY));
    assert.equal(entry.record.ssn, undefined);
    // Still invalid: it fails again on the decrypted and hashed values, and stays as it is.
    const relaxed = await replay({ ids: [entry.id], stream: "cards" });
    assert.equal(relaxed.body.rejected, 1, "still fails: ok must be true");
    assert.equal(relaxed.body.errors[0].reason, "/ok: must be equal to constant");
    // An entry whose record passes, as the ledger holds it (already protected): the hashed number no longer
    // matches its pattern and the ssn is gone, but the schema's rules for them are not applied to a replay.
    const protectedRecord = { ...entry.record, ok: true };
    const id = t.store.deadLetters().writeNow({
      stepId: "ingest",
      reason: "invalid",
      record: protectedRecord,
      time: Number.NaN,
      at: 1,
      origin: { stream: "cards" },
    });
    const ok = await replay({ ids: [id] });
    assert.equal(ok.body.accepted, 1);
    const [stored] = t.store.log.read("cards", ok.body.offsets.first, 1).records as Array<
      Record<string, string>
    >;
    assert.equal(stored!.number, hashField("4111111111111111", KEY), "hashed once, not twice");
    assert.notEqual(stored!.holder, entry.record.holder, "encrypted again with a fresh IV");
    assert.equal(decryptField(stored!.holder!, KEY), "Ada Lovelace");
    // The encrypted field is validated on its decrypted value.
    const wrongHolder = t.store.deadLetters().writeNow({
      stepId: "ingest",
      reason: "invalid",
      record: { ...protectedRecord, holder: encryptField("ada", KEY) },
      time: Number.NaN,
      at: 1,
      origin: { stream: "cards" },
    });
    const fails = await replay({ ids: [wrongHolder] });
    // Rejected at ingest for a field that is now hashed: nothing a replay could check, so it stays.
    const badNumber = { id: 2, number: "4111", holder: "Ada Lovelace", ssn: "123-45-6789", ok: true };
    assert.equal((await post(`${t.url}/v1/streams/cards/events`, JSON.stringify(badNumber))).status, 422);
    const lostId = (await get(`${t.url}/v1/dlq?stream=cards&order=desc&limit=1`)).body.entries[0].id;
    const lost = await replay({ ids: [lostId] });
    assert.deepEqual(lost.body.errors, [
      {
        id: lostId,
        reason: "rejected for /number, whose original value a PII policy removed: it cannot be checked again",
      },
    ]);
    assert.deepEqual(fails.body.errors, [
      { id: wrongHolder, reason: '/holder: must match pattern "^[A-Z][a-z]+ [A-Z][a-z]+$"' },
    ]);
  });

  it("needs the admin scope", async () => {
    const keyed = await startTestServer({
      apiKeys: [
        { key: "ingest-key-0123456789", scopes: ["ingest:*"] },
        { key: "admin-key-0123456789", scopes: ["admin"] },
      ],
    });
    try {
      const body = JSON.stringify({ stream: "readings" });
      assert.equal((await post(`${keyed.url}/v1/dlq/replay`, body)).status, 401);
      const forbidden = await post(`${keyed.url}/v1/dlq/replay`, body, "application/json", {
        authorization: "Bearer ingest-key-0123456789",
      });
      assert.equal(forbidden.status, 403);
      const allowed = await post(`${keyed.url}/v1/dlq/replay`, body, "application/json", {
        authorization: "Bearer admin-key-0123456789",
      });
      assert.equal(allowed.status, 200);
    } finally {
      await keyed.close();
    }
  });
});
