import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiKeyRing, isLoopback, presentedKey } from "./api-keys.js";

describe("ApiKeyRing", () => {
  const ring = new ApiKeyRing([
    { key: "ingest-key-0123456789", scopes: ["ingest:readings"] },
    { key: "reader-key-0123456789", scopes: ["read:*"] },
    { key: "admin-key-01234567890", scopes: ["admin"] },
  ]);
  it("finds the scopes of a key and checks permissions", () => {
    const ingest = ring.authenticate("ingest-key-0123456789")!;
    assert.equal(ingest.allows({ kind: "ingest", stream: "readings" }), true);
    assert.equal(ingest.allows({ kind: "ingest", stream: "clicks" }), false);
    assert.equal(ingest.allows({ kind: "read", resource: "stats" }), false);
    const reader = ring.authenticate("reader-key-0123456789")!;
    assert.equal(reader.allows({ kind: "read", resource: "stats" }), true);
    assert.equal(reader.allows({ kind: "admin" }), false);
    assert.equal(ring.authenticate("admin-key-01234567890")!.allows({ kind: "ingest", stream: "x" }), true);
    assert.equal(ring.authenticate("nope"), undefined);
  });
  it("refuses short keys and unknown scopes", () => {
    assert.throws(() => new ApiKeyRing([{ key: "short", scopes: ["admin"] }]), /at least 16/);
    assert.throws(
      () => new ApiKeyRing([{ key: "x".repeat(20), scopes: ["write:*"] }]),
      /unknown scope "write:\*"/,
    );
  });
  it("reads Bearer and X-API-Key headers", () => {
    assert.equal(presentedKey({ authorization: "Bearer abc" }), "abc");
    assert.equal(presentedKey({ "x-api-key": "def" }), "def");
    assert.equal(presentedKey({ authorization: "Basic abc" }), undefined);
  });
  it("knows loopback hosts", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost"])
      assert.equal(isLoopback(host), true, host);
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "example.com"])
      assert.equal(isLoopback(host), false, host);
  });
});
