import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkRecordLimits } from "./record-limits.js";

describe("checkRecordLimits", () => {
  const limits = { maxDepth: 3, maxRecordBytes: 100 };
  it("passes records within the limits", () => {
    assert.equal(checkRecordLimits({ a: [[1]] }, limits), undefined);
    assert.equal(checkRecordLimits("scalar", limits), undefined);
  });
  it("names where a record nests too deep", () => {
    assert.deepEqual(checkRecordLimits({ a: [[[1]]] }, limits), {
      reason: "/a/0/0: nested deeper than 3 levels",
      tooDeep: true,
    });
  });
  it("rejects an oversized record with its size", () => {
    assert.equal(
      checkRecordLimits({ s: "x".repeat(200) }, limits)?.reason,
      "/: record is 208 bytes, over the limit of 100",
    );
  });
  it("rejects numbers JSON cannot carry", () => {
    assert.equal(checkRecordLimits({ t: JSON.parse("1e400") }, limits)?.reason, "/t: number out of range");
  });
  it("survives a hostile nesting depth without exhausting the stack", () => {
    const deep = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    assert.match(checkRecordLimits(deep, limits)?.reason ?? "", /nested deeper than 3/);
  });
});
