/**
 * The crash test: starts the child, kills it with SIGKILL at random moments (seeded), starts it again, and at
 * the end checks what a user relies on: the views equal those of an uninterrupted reference run exactly, the
 * dead-letter ledger holds each rejected record exactly once, and every acknowledged record is in the log
 * exactly once.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromCollection } from "../../src/connectors/collection-source.js";
import { ManualClock } from "../../src/core/clock.js";
import type { MemoryDeadLetterLedger } from "../../src/runtime/dead-letter.js";
import type { MemoryViewStore } from "../../src/sinks/view-writer.js";
import { EmbeddedStore } from "../../src/store/index.js";
import { CRASH_VIEWS, type CrashEvent, crashEvent, crashPipeline } from "./crash-pipeline.js";

export interface CrashScenario {
  readonly dir: string;
  readonly records: number;
  readonly kills: number;
  readonly seed: number;
  /** Progress lines (optional). */
  readonly log?: (line: string) => void;
}

export interface CrashOutcome {
  readonly kills: number;
  readonly starts: number;
  readonly viewRows: number;
  readonly deadLetters: number;
}

const CHILD = fileURLToPath(new URL("./crash-child.js", import.meta.url));

function runChild(dir: string, records: number, killAfterMs: number | undefined): Promise<"killed" | "done"> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(records)], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("exit", (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (signal === "SIGKILL") resolve("killed");
      else if (code === 0) resolve("done");
      else reject(new Error(`crash child exited with ${code ?? signal}: ${stderr}`));
    });
  });
}

/** A small seeded generator for kill times. */
function randomFrom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runCrashScenario(scenario: CrashScenario): Promise<CrashOutcome> {
  const { dir, records, seed } = scenario;
  const random = randomFrom(seed);
  let kills = 0;
  let starts = 0;
  while (kills < scenario.kills && !existsSync(join(dir, "done"))) {
    const after = 80 + Math.floor(random() * 500);
    starts++;
    const outcome = await runChild(dir, records, after);
    if (outcome === "killed") kills++;
    scenario.log?.(`start ${starts}: ${outcome} after ${after} ms`);
  }
  if (!existsSync(join(dir, "done"))) {
    starts++;
    assert.equal(await runChild(dir, records, undefined), "done");
  }

  // The reference: the same pipeline over the same records, in memory, never interrupted.
  const all = Array.from({ length: records }, (_, i) => crashEvent(i));
  const reference = await crashPipeline(fromCollection<CrashEvent>(all, { batchSize: 200 })).run({
    clock: new ManualClock(0),
  });
  const referenceViews = reference.views as MemoryViewStore;
  const referenceDead = (reference.deadLetters as MemoryDeadLetterLedger).entries;

  const store = new EmbeddedStore(dir, { durability: "process" });
  try {
    // Every acknowledged record is in the log exactly once, at its own offset.
    const log = store.log.read("events", 0, records + 10);
    assert.equal(log.records.length, records, "the log holds every record once");
    log.records.forEach((r, i) => {
      assert.equal((r as CrashEvent).seq, i, `offset ${i} holds record ${i}`);
    });
    const acks = readFileSync(join(dir, "acks.log"), "utf8").trim().split("\n");
    for (const line of acks) {
      const [first, last] = line.split(" ").map(Number);
      assert.ok(
        first! >= 0 && last! < records && first! <= last!,
        `acknowledged range ${line} is in the log`,
      );
    }
    // The views equal the reference exactly.
    let viewRows = 0;
    for (const name of CRASH_VIEWS) {
      const actual = new Map(store.views.list(name, { limit: 1_000_000 }).map((r) => [r.key, r.value]));
      const expected = referenceViews.rows(name);
      assert.equal(actual.size, expected.size, `view ${name}: row count`);
      for (const [key, value] of expected)
        assert.deepEqual(actual.get(key), value, `view ${name}, row ${key}`);
      viewRows += actual.size;
    }
    // The dead-letter ledger has each late record once per step that rejected it, no duplicates.
    const dead = store.deadLetters("crash").list({ limit: 1_000_000 });
    const ids = (entries: Array<{ stepId: string; reason: string; record: unknown }>) =>
      entries.map((d) => `${d.stepId}|${d.reason}|${(d.record as CrashEvent).seq}`).sort();
    assert.deepEqual(ids(dead), ids(referenceDead));
    assert.equal(new Set(ids(dead)).size, dead.length, "no duplicate dead letters");
    return { kills, starts, viewRows, deadLetters: dead.length };
  } finally {
    store.close();
  }
}
