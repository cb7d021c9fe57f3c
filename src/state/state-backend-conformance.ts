/**
 * The conformance suite every StateBackend implementation runs: what a `process` step and a checkpoint rely
 * on. Call it from the implementation's test file with a factory for fresh backends.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StateBackend } from "./state-backend.js";

/** e.g. `stateBackendConformance("memory", () => new MemoryStateBackend())` */
export function stateBackendConformance(
  name: string,
  create: () => StateBackend | Promise<StateBackend>,
): void {
  describe(`state backend conformance: ${name}`, () => {
    it("tables start empty and keep values per key", async () => {
      const b = await create();
      const t = b.table<number>("count-1", "n");
      assert.equal(t.size, 0);
      assert.equal(t.get("a"), undefined);
      t.set("a", 1);
      t.set(2, 20);
      t.set("a", 3);
      assert.equal(t.get("a"), 3);
      assert.equal(t.get(2), 20);
      assert.equal(t.get("2"), undefined, "keys are compared by value and type");
      assert.equal(t.has("a"), true);
      assert.equal(t.size, 2);
      t.delete("a");
      assert.equal(t.has("a"), false);
      assert.deepEqual([...t.keys()], [2]);
    });

    it("tables of different steps and names are separate; asking twice gives the same table", async () => {
      const b = await create();
      b.table<string>("s1", "x").set("k", "s1x");
      b.table<string>("s1", "y").set("k", "s1y");
      b.table<string>("s2", "x").set("k", "s2x");
      assert.equal(b.table<string>("s1", "x").get("k"), "s1x");
      assert.equal(b.table<string>("s1", "y").get("k"), "s1y");
      assert.equal(b.table<string>("s2", "x").get("k"), "s2x");
    });

    it("a snapshot survives JSON and restores into a fresh backend", async () => {
      const b = await create();
      b.table<{ n: number; tags: string[] }>("p", "v").set("k1", { n: 1, tags: ["a"] });
      b.table<number[]>("p", "list").set(7, [1, 2, 3]);
      const saved = JSON.parse(JSON.stringify(b.snapshot()));
      const fresh = await create();
      fresh.restore(saved);
      assert.deepEqual(fresh.table("p", "v").get("k1"), { n: 1, tags: ["a"] });
      assert.deepEqual(fresh.table("p", "list").get(7), [1, 2, 3]);
    });

    it("a snapshot is isolated from later changes, and restore replaces everything", async () => {
      const b = await create();
      const t = b.table<{ n: number }>("p", "v");
      t.set("k", { n: 1 });
      const saved = b.snapshot();
      t.get("k")!.n = 99;
      t.set("other", { n: 5 });
      b.restore(saved);
      assert.deepEqual(b.table("p", "v").get("k"), { n: 1 });
      assert.equal(b.table("p", "v").has("other"), false);
    });
  });
}
