import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { decodeNumber, encodeNumber } from "./json-number.js";

test("every number survives encode → JSON → decode, including NaN, ±Infinity and -0", () => {
  fc.assert(
    fc.property(fc.double(), (n) => {
      assert.equal(Object.is(decodeNumber(JSON.parse(JSON.stringify(encodeNumber(n)))), n), true);
    }),
  );
  for (const n of [Number.NaN, Infinity, -Infinity, -0, 0]) {
    assert.equal(Object.is(decodeNumber(JSON.parse(JSON.stringify(encodeNumber(n)))), n), true, String(n));
  }
});

test("decodeNumber rejects what encodeNumber never writes", () => {
  for (const bad of [null, undefined, "12", "nan", {}, [1]]) assert.equal(decodeNumber(bad), undefined);
});
