/**
 * Exactly-once after kill -9, kept short for `npm test`; `npm run test:crash -- --kills 50` runs it longer.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCrashScenario } from "./crash/crash-harness.js";

test("killed with SIGKILL at random moments and restarted, the job ends with the views of an uninterrupted run", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-crash-"));
  try {
    const outcome = await runCrashScenario({ dir, records: 6000, kills: 4, seed: 1 });
    assert.ok(outcome.kills >= 1, "the child was killed at least once");
    assert.ok(outcome.viewRows > 0 && outcome.deadLetters > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
