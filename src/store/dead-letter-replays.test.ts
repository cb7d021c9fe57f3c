import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { EmbeddedStore } from "./index.js";

const entry = (n: number) => ({
  stepId: "ingest",
  reason: "invalid" as const,
  record: { n },
  time: n,
  at: 1000 + n,
  error: "record 0: /n: must be string",
  origin: { stream: "in" },
});

test("a replay a crash left unmarked in the ledger is marked when the store opens again", () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-replays-"));
  try {
    const store = new EmbeddedStore(dir);
    const ledger = store.deadLetters();
    const ids = [ledger.writeNow(entry(1)), ledger.writeNow(entry(2))];
    // The append and its replay marks commit in log.db; the process dies before the ledger's commit.
    const range = store.replays.append("out", [{ id: ids[0]!, at: 1001 }], [{ n: "1" }], [null], 7000);
    assert.equal(ledger.get(ids[0]!)!.replayedAt, undefined);
    store.close();

    const reopened = new EmbeddedStore(dir);
    try {
      const [first, second] = ids.map((id) => reopened.deadLetters().get(id)!);
      assert.equal(first!.replayedAt, 7000);
      assert.deepEqual(first!.replayedTo, { stream: "out", offset: range.first });
      assert.equal(second!.replayedAt, undefined, "an entry never replayed stays unmarked");
      assert.throws(
        () => reopened.replays.append("out", [{ id: ids[0]!, at: 1001 }], [{ n: "1" }], [null], 8000),
        /UNIQUE constraint failed/,
      );
      assert.equal(
        reopened.log.endOffset("out"),
        1,
        "a second append of the same dead letter appends nothing",
      );
    } finally {
      reopened.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
