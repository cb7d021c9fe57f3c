/**
 * `sluice nexmark run QUERY --data DIR --output FILE`, killed with SIGKILL at random moments and started again
 * with the same command, ends with FILE holding exactly the rows of an uninterrupted run.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";

const SLUICE = fileURLToPath(new URL("../src/cli/sluice.js", import.meta.url));
const EVENTS = 400_000;

function sluice(args: string[], killAfterMs?: number): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SLUICE, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("exit", (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

describe("durable Nexmark runs survive kill -9", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "sluice-nexmark-durable-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [query, kills] of [
    ["q5", [350, 500]],
    ["q4", [300, 450]],
    ["q8", [400]],
  ] as const) {
    it(`${query}: killed ${kills.length}× and restarted, the output equals an uninterrupted run`, async () => {
      const reference = join(dir, `${query}-reference.ndjson`);
      const ref = await sluice(["nexmark", "run", query, "--events", String(EVENTS), "--output", reference]);
      assert.equal(ref.code, 0, ref.stderr);
      const output = join(dir, `${query}.ndjson`);
      const args = ["nexmark", "run", query, "--events", String(EVENTS), "--data", join(dir, `${query}-data`), "--checkpoint-interval", "50", "--output", output];
      for (const ms of kills) {
        const r = await sluice(args, ms);
        if (r.signal !== "SIGKILL") assert.equal(r.code, 0, r.stderr); // it finished before the kill: fine too
      }
      const last = await sluice(args);
      assert.equal(last.code, 0, last.stderr);
      assert.equal(readFileSync(output, "utf8"), readFileSync(reference, "utf8"));
    });
  }

  it("a finished run started again starts over and writes the same file", async () => {
    const output = join(dir, "again.ndjson");
    const args = ["nexmark", "run", "q2", "--events", "50000", "--data", join(dir, "again-data"), "--output", output];
    assert.equal((await sluice(args)).code, 0);
    const first = readFileSync(output, "utf8");
    assert.equal((await sluice(args)).code, 0);
    assert.equal(readFileSync(output, "utf8"), first);
  });

  it("--checkpoint-interval without --data is bad usage", async () => {
    const r = await sluice(["nexmark", "run", "q1", "--events", "10", "--checkpoint-interval", "100"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--checkpoint-interval needs --data/);
  });
});
