import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { EmbeddedStore } from "./index.js";

const root = mkdtempSync(join(tmpdir(), "sluice-embedded-store-"));
const opened: EmbeddedStore[] = [];
after(() => {
  for (const store of opened) if (store.stateDb.open) store.close();
  rmSync(root, { recursive: true, force: true });
});
let dirs = 0;

function open(dir = join(root, `d${dirs++}`)): EmbeddedStore {
  const store = new EmbeddedStore(dir, { durability: "process" });
  opened.push(store);
  return store;
}

/**
 * A tiny processor: counts records per key from stream "in" into keyed state and view "counts", sends
 * negative values to the dead-letter ledger, and checkpoints every `every` records.
 */
function runCounter(store: EmbeddedStore, stopAfter: number, every: number): void {
  const resumed = store.recover("counter");
  const counts = store.stateBackend("counter").table<number>("count", "n");
  const views = store.viewWriter("counter");
  const dead = store.deadLetters("counter");
  let offset = (resumed?.manifest.sources.in as number | undefined) ?? 0;
  let id = resumed?.id ?? 0;
  let processed = 0;
  while (processed < stopAfter) {
    const read = store.log.read("in", offset, every);
    if (read.records.length === 0) break;
    read.records.forEach((r, i) => {
      const { k, v } = r as { k: string; v: number };
      if (v < 0) {
        dead.write({
          stepId: "count",
          reason: "invalid",
          record: r,
          time: 0,
          at: 0,
          origin: { stream: "in", offset: read.offsets[i]! },
        });
        return;
      }
      const n = (counts.get(k) ?? 0) + 1;
      counts.set(k, n);
      views.upsert("counts", k, { k, n }, read.offsets[i]!);
    });
    offset = read.offsets.at(-1)! + 1;
    processed += read.records.length;
    if (processed >= stopAfter) return; // "crash": what was processed since the last checkpoint is lost
    store.commitCheckpoint("counter", { id: ++id, sources: { in: offset }, steps: {} }, 0);
  }
}

describe("EmbeddedStore", () => {
  it("opens log.db and state.db under the data directory", () => {
    const dir = join(root, "fresh", "data");
    const store = open(dir);
    assert.ok(existsSync(join(dir, "log.db")));
    assert.ok(existsSync(join(dir, "state.db")));
    assert.equal(store.durability, "process");
    assert.equal(store.logDb.pragma("journal_mode", { simple: true }), "wal");
    store.close();
  });

  it("resumes a pipeline after a crash with views and dead letters as if it never stopped", () => {
    const records = Array.from({ length: 100 }, (_, i) => ({ k: `k${i % 7}`, v: i % 10 === 9 ? -1 : i }));
    const expected = new Map<string, number>();
    for (const r of records) if (r.v >= 0) expected.set(r.k, (expected.get(r.k) ?? 0) + 1);

    const dir = join(root, "crash");
    const first = open(dir);
    first.log.append("in", records, undefined, 0);
    runCounter(first, 45, 10); // checkpoints at 10, 20, 30, 40; dies at 45
    first.close();
    const second = open(dir);
    assert.equal(second.checkpoints.latest("counter")?.manifest.sources.in, 40);
    runCounter(second, 1000, 10);
    const rows = new Map(second.views.list("counts").map((r) => [r.key, (r.value as { n: number }).n]));
    assert.deepEqual(rows, expected);
    const dead = second.deadLetters().list({ stream: "in" });
    assert.deepEqual(
      dead.map((d) => d.origin?.offset),
      [9, 19, 29, 39, 49, 59, 69, 79, 89, 99],
      "each rejected record once",
    );
    assert.equal(second.stateBackend("counter").table("count", "n").get("k0"), expected.get("k0"));
  });

  it("commits state, views, dead letters and the manifest together, or none of them", () => {
    const store = open();
    store.stateBackend("p").table<number>("s", "n").set("k", 1);
    store.viewWriter("p").upsert("v", "k", 1, 0);
    store.deadLetters("p").write({ stepId: "s", reason: "late", record: 1, time: 0, at: 0 });
    const broken = () => {
      throw new Error("external sink down");
    };
    assert.throws(
      () => store.commitCheckpoint("p", { id: 1, sources: { in: 1 }, steps: {} }, 0, [broken]),
      /sink down/,
    );
    assert.equal(store.checkpoints.latest("p"), undefined);
    assert.equal(store.views.get("v", "k"), undefined);
    assert.equal(store.deadLetters().count(), 0);
    store.commitCheckpoint("p", { id: 1, sources: { in: 1 }, steps: {} }, 0);
    assert.equal(store.views.get("v", "k")?.value, 1);
    assert.equal(store.deadLetters().count({ pipeline: "p" }), 1);
    assert.equal(store.checkpoints.latest("p")?.id, 1);
  });

  it("resetPipeline clears one pipeline's checkpoint, state, views and dead letters", () => {
    const dir = join(root, "reset");
    const store = open(dir);
    for (const p of ["a", "b"]) {
      store.stateBackend(p).table<number>("s", "n").set("k", 1);
      store.viewWriter(p).upsert(`view_${p}`, "k", 1, 0);
      store.deadLetters(p).write({ stepId: "s", reason: "late", record: p, time: 0, at: 0 });
      store.commitCheckpoint(p, { id: 1, sources: {}, steps: { s: 1 } }, 0);
    }
    store.deadLetters().writeNow({ stepId: "ingest", reason: "invalid", record: 0, time: 0, at: 0 });
    store.viewWriter("a").upsert("view_a", "pending", 1, 0);
    store.resetPipeline("a");
    assert.equal(store.checkpoints.latest("a"), undefined);
    assert.equal(store.stateBackend("a").table("s", "n").size, 0);
    assert.deepEqual(
      store.views.views().map((v) => v.name),
      ["view_b"],
    );
    assert.equal(store.viewWriter("a").pendingCount, 0);
    assert.deepEqual(
      store
        .deadLetters()
        .list()
        .map((d) => d.record),
      ["b", 0],
    );
    store.close();
    const again = open(dir);
    assert.equal(again.checkpoints.latest("b")?.id, 1);
    assert.equal(again.stateBackend("b").table("s", "n").get("k"), 1);
    assert.equal(again.stateBackend("a").table("s", "n").size, 0);
  });
});
