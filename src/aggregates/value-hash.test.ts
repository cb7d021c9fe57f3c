import assert from "node:assert/strict";
import { test } from "node:test";
import { hashValue } from "./value-hash.js";

const hashOf = (v: string | number) => {
  const out = new Uint32Array(2);
  hashValue(v, out);
  return `${out[0]}:${out[1]}`;
};

test("numbers hash by value: 1 and 1.0, 0 and -0, and every NaN agree", () => {
  assert.equal(hashOf(1), hashOf(1.0));
  assert.equal(hashOf(0), hashOf(-0));
  assert.equal(hashOf(Number.NaN), hashOf(0 / 0));
  assert.notEqual(hashOf(1), hashOf(2));
  assert.notEqual(hashOf(1), hashOf(1 + Number.EPSILON));
});

test("strings and numbers with the same text hash differently", () => {
  assert.notEqual(hashOf("1"), hashOf(1));
  assert.notEqual(hashOf(""), hashOf(0));
});

test("values of other types from untyped callers hash as their string form", () => {
  assert.equal(hashOf(true as never), hashOf("true"));
  assert.equal(hashOf(null as never), hashOf("null"));
});

test("similar strings hash differently, trailing NUL and odd lengths included", () => {
  const seen = new Set<string>();
  for (const s of ["", "a", "b", "ab", "ba", "a\u0000", "\u0000a", "abc", "abd", "user-1", "user-10"]) {
    seen.add(hashOf(s));
  }
  assert.equal(seen.size, 11);
});

test("every output bit is set about half the time", () => {
  const out = new Uint32Array(2);
  const ones = new Array<number>(64).fill(0);
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    hashValue(i % 2 === 0 ? i : `key-${i}`, out);
    for (let bit = 0; bit < 32; bit++) {
      ones[bit]! += (out[0]! >>> bit) & 1;
      ones[32 + bit]! += (out[1]! >>> bit) & 1;
    }
  }
  // 5 standard deviations of a fair coin over n draws.
  const slack = 5 * Math.sqrt(n / 4);
  for (const count of ones) assert.ok(Math.abs(count - n / 2) < slack, `bit set ${count} of ${n} times`);
});
