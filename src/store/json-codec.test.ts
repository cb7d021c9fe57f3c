import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalJson, decodeJson, encodeJson } from "./json-codec.js";

const roundTrip = (value: unknown) => decodeJson(encodeJson(value));

describe("json-codec", () => {
  it("keeps NaN, ±Infinity and -0, which plain JSON turns into null and 0", () => {
    const value = {
      max: Number.NEGATIVE_INFINITY,
      min: Number.POSITIVE_INFINITY,
      avg: Number.NaN,
      z: -0,
      n: 1.5,
    };
    assert.equal(JSON.stringify(value), '{"max":null,"min":null,"avg":null,"z":0,"n":1.5}');
    const back = roundTrip(value) as typeof value;
    assert.equal(back.max, Number.NEGATIVE_INFINITY);
    assert.equal(back.min, Number.POSITIVE_INFINITY);
    assert.ok(Number.isNaN(back.avg));
    assert.ok(Object.is(back.z, -0));
    assert.equal(back.n, 1.5);
    assert.deepEqual(roundTrip([Number.NaN, [Number.NEGATIVE_INFINITY]]), [
      Number.NaN,
      [Number.NEGATIVE_INFINITY],
    ]);
    assert.equal(roundTrip(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
  });

  it("keeps Maps, Sets, Dates, bigints and undefined at the top or in arrays", () => {
    const value = {
      m: new Map<unknown, unknown>([
        ["a", 1],
        [2, new Set([Number.NaN])],
      ]),
      d: new Date(1_700_000_000_000),
      b: 12345678901234567890n,
      list: [1, undefined, 3],
    };
    assert.deepEqual(roundTrip(value), value);
    assert.equal(roundTrip(undefined), undefined);
    assert.deepEqual(
      roundTrip({ a: undefined, b: 1 }),
      { b: 1 },
      "undefined properties are left out, as in JSON",
    );
  });

  it("never mistakes user objects with $ keys for its tags", () => {
    const value = { $num: "Infinity", $$x: 1, $: [{ $map: [] }], plain: { $big: "1", other: 2 } };
    const text = encodeJson(value);
    assert.deepEqual(decodeJson(text), value);
    assert.deepEqual(roundTrip({ $undef: 0 }), { $undef: 0 });
  });

  it("writes plain values as plain JSON", () => {
    const value = { a: [1, "two", null, true], b: { c: 3.25 } };
    assert.equal(encodeJson(value), JSON.stringify(value));
  });

  it("rejects tags it does not know", () => {
    assert.throws(() => decodeJson('{"$future":1}'), /unknown tag "\$future"/);
  });

  it("gives canonical key text: types differ, property order does not", () => {
    assert.notEqual(canonicalJson(1), canonicalJson("1"));
    assert.equal(canonicalJson("1"), '"1"');
    assert.equal(canonicalJson(1), "1");
    assert.equal(canonicalJson({ b: 1, a: [{ y: 1, x: 2 }] }), canonicalJson({ a: [{ x: 2, y: 1 }], b: 1 }));
    assert.equal(canonicalJson(-0), canonicalJson(0), "as in a Map, -0 and 0 are one key");
    assert.equal(canonicalJson({ z: -0 }), canonicalJson({ z: 0 }));
    assert.notEqual(canonicalJson(null), canonicalJson(undefined));
    assert.notEqual(canonicalJson(true), canonicalJson("true"));
    assert.ok(Number.isNaN(decodeJson(canonicalJson(Number.NaN))));
    assert.deepEqual(decodeJson(canonicalJson({ b: [1], a: "x" })), { a: "x", b: [1] });
  });
});
