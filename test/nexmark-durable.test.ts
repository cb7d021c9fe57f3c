/**
 * `sluice nexmark run QUERY --data DIR --output FILE`, killed with SIGKILL at random moments and started again
 * with the same command, ends with FILE holding exactly the rows of an uninterrupted run.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startSluice } from "../src/cli/cli-test-process.js";
import { EmbeddedStore } from "../src/store/index.js";

const EVENTS = 400_000;

/** The id of the last checkpoint committed under `data` for `pipeline` (0 if none), read while a run writes. */
function lastCheckpoint(data: string, pipeline: string): number {
  if (!existsSync(join(data, "state.db"))) return 0;
  const store = new EmbeddedStore(data);
  try {
    return store.checkpoints.latest(pipeline)?.id ?? 0;
  } catch {
    return 0; // the child is still creating the store
  } finally {
    store.close();
  }
}

/**
 * Runs sluice; with `killAfterCheckpoint`, kills it with SIGKILL as soon as it has committed a checkpoint
 * newer than that id (so every kill lands mid-run, after real progress).
 */
async function sluice(
  args: string[],
  killAfterCheckpoint?: { data: string; pipeline: string; after: number },
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const run = startSluice(args);
  const poll =
    killAfterCheckpoint === undefined
      ? undefined
      : setInterval(() => {
          const { data, pipeline, after } = killAfterCheckpoint;
          if (lastCheckpoint(data, pipeline) > after) run.child.kill("SIGKILL");
        }, 10);
  const code = await run.exited;
  clearInterval(poll);
  return { code, signal: run.child.signalCode, stderr: run.stderr() };
}

describe("durable Nexmark runs survive kill -9", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "sluice-nexmark-durable-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [query, kills] of [
    ["q5", 2],
    ["q4", 2],
    ["q3", 1],
    ["q8", 1],
  ] as const) {
    it(`${query}: killed ${kills}× mid-run and restarted, the output equals an uninterrupted run`, async () => {
      const reference = join(dir, `${query}-reference.ndjson`);
      const ref = await sluice(["nexmark", "run", query, "--events", String(EVENTS), "--output", reference]);
      assert.equal(ref.code, 0, ref.stderr);
      const output = join(dir, `${query}.ndjson`);
      const data = join(dir, `${query}-data`);
      const args = [
        "nexmark",
        "run",
        query,
        "--events",
        String(EVENTS),
        "--data",
        data,
        "--checkpoint-interval",
        "30",
        "--output",
        output,
      ];
      const pipeline = `nexmark-${query}`;
      let killed = 0;
      for (let i = 0; i < kills; i++) {
        const r = await sluice(args, { data, pipeline, after: lastCheckpoint(data, pipeline) });
        if (r.signal === "SIGKILL") killed++;
        else assert.equal(r.code, 0, r.stderr); // it finished before a checkpoint could be seen: fine too
      }
      const last = await sluice(args);
      assert.equal(last.code, 0, last.stderr);
      if (killed > 0) assert.match(last.stderr, /resumed from checkpoint \d+/);
      assert.equal(readFileSync(output, "utf8"), readFileSync(reference, "utf8"));
    });
  }

  it("a finished run started again starts over and writes the same file", async () => {
    const output = join(dir, "again.ndjson");
    const args = [
      "nexmark",
      "run",
      "q2",
      "--events",
      "50000",
      "--data",
      join(dir, "again-data"),
      "--output",
      output,
    ];
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
