import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defineStream, toEventTime } from "./stream-definition.js";

const schema = {
  type: "object",
  properties: {
    id: { type: "string" },
    n: { type: "integer" },
    x: { type: "number" },
    at: { type: "string", format: "date-time" },
    inner: { type: "object", properties: { y: { type: "number" } } },
  },
  required: ["id"],
};

describe("defineStream", () => {
  it("validates and names the failing field", () => {
    const s = defineStream({ name: "s", schema });
    assert.deepEqual(s.validateRecord({ id: "a", x: 1.5 }), {
      ok: true,
      record: { id: "a", x: 1.5 },
      eventTime: null,
      changed: false,
    });
    assert.deepEqual(s.validateRecord({ id: "a", x: "hot" }), { ok: false, reason: "/x: must be number" });
    assert.deepEqual(s.validateRecord({ x: 1 }), { ok: false, reason: "/id: is required" });
    assert.deepEqual(s.validateRecord({ id: "a", inner: { y: "q" } }), {
      ok: false,
      reason: "/inner/y: must be number",
    });
    assert.deepEqual(s.validateRecord(42), { ok: false, reason: "/: must be object" });
    assert.equal(s.validateRecord({ id: "a", at: "yesterday" }).ok, false, "formats are checked");
    assert.equal(s.validateRecord({ id: "a", at: "2024-05-01T10:00:00Z" }).ok, true);
  });

  it("cleanses before validating: trim, coerce numbers, defaults, drop unknown", () => {
    const s = defineStream({
      name: "s",
      schema,
      cleanse: { trim: true, coerceNumbers: true, defaults: { n: 7 }, dropUnknown: true },
    });
    const result = s.validateRecord({ id: "  a ", x: " 2.5e1 ", extra: 1, inner: { y: "3", z: 1 } });
    assert.deepEqual(result, {
      ok: true,
      record: { id: "a", x: 25, n: 7, inner: { y: 3 } },
      eventTime: null,
      changed: true,
    });
    // An integer field does not take a fraction; a non-numeric string is left for validation to reject.
    assert.deepEqual(s.validateRecord({ id: "a", n: "1.5" }), { ok: false, reason: "/n: must be integer" });
    assert.deepEqual(s.validateRecord({ id: "a", x: "12abc" }), { ok: false, reason: "/x: must be number" });
    assert.deepEqual(s.validateRecord({ id: "a", n: "12" }), {
      ok: true,
      record: { id: "a", n: 12 },
      eventTime: null,
      changed: true,
    });
    assert.deepEqual(
      s.validateRecord({ id: "a", n: 3, inner: { y: 1 } }),
      { ok: true, record: { id: "a", n: 3, inner: { y: 1 } }, eventTime: null, changed: false },
      "a record cleansing leaves as it is says so: its text as sent can be stored",
    );
    for (const record of [{ id: "a", n: 3, extra: 1 }, { id: "a", n: 3, inner: { y: " 1" } }, { id: "a" }]) {
      const result = s.validateRecord(record);
      assert.equal(result.ok && result.changed, true, JSON.stringify(record));
    }
  });

  it("without cleansing, numeric strings and padding are kept (and rejected by type)", () => {
    const s = defineStream({ name: "s", schema });
    assert.deepEqual(s.validateRecord({ id: " a ", x: "1" }), { ok: false, reason: "/x: must be number" });
  });

  it("takes the event time from a number or an ISO-8601 string", () => {
    const s = defineStream({
      name: "s",
      schema: { type: "object", properties: { ts: { type: ["number", "string"] } } },
      eventTime: "ts",
    });
    assert.deepEqual(s.validateRecord({ ts: 1000 }), {
      ok: true,
      record: { ts: 1000 },
      eventTime: 1000,
      changed: false,
    });
    const iso = s.validateRecord({ ts: "2024-05-01T00:00:00Z" });
    assert.equal(iso.ok && iso.eventTime, Date.parse("2024-05-01T00:00:00Z"));
    assert.deepEqual(s.validateRecord({}), { ok: true, record: {}, eventTime: null, changed: false });
    const bad = s.validateRecord({ ts: "soon" });
    assert.equal(bad.ok, false);
    assert.match(!bad.ok ? bad.reason : "", /^\/ts: event time/);
    assert.equal(toEventTime(Number.NaN), undefined);
  });

  it("refuses bad names and bad schemas, naming the stream", () => {
    assert.throws(() => defineStream({ name: "bad name", schema: {} }), /stream name "bad name"/);
    assert.throws(
      () => defineStream({ name: "s", schema: { type: "nope" } }),
      /stream "s": invalid JSON Schema/,
    );
  });

  it("spreads keys over partitions by FNV-1a of the key, and checks partitions and retention", () => {
    const s = defineStream({ name: "p", schema, key: "id", partitions: 8, retention: { maxAge: "7d" } });
    assert.equal(s.partitions, 8);
    // FNV-1a 32-bit of "a" is 0xe40c292c, of "foobar" 0xbf9cf968 (the published test vectors).
    assert.equal(s.partitionOf("a"), 0xe40c292c % 8);
    assert.equal(s.partitionOf("foobar"), 0xbf9cf968 % 8);
    assert.equal(s.partitionOf(42), s.partitionOf("42"), "a number key hashes as its JSON text");
    assert.equal(defineStream({ name: "one", schema }).partitionOf("a"), 0);
    assert.throws(() => defineStream({ name: "p", schema, partitions: 2 }), /2 partitions need a key field/);
    assert.throws(
      () => defineStream({ name: "p", schema, key: "id", partitions: 0 }),
      /partitions must be an integer from 1 to 1024, got 0/,
    );
    assert.throws(
      () => defineStream({ name: "p", schema, retention: { maxRecords: -1 } }),
      /retention of "p": maxRecords must be an integer ≥ 0, got -1/,
    );
    assert.throws(
      () => defineStream({ name: "p", schema, retention: { maxAge: "soon" as "1s" } }),
      /retention of "p": maxAge/,
    );
  });
});
