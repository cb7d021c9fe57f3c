/**
 * Every Nexmark query's output, run through the CLI on 200,000 generated events, equals the same query written
 * in SQL (SQLite) over the NDJSON that `sluice nexmark generate` wrote for the same options.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { main } from "../src/cli/main.js";
import { NEXMARK_QUERIES } from "../src/nexmark/queries/index.js";
import { loadNexmarkNdjson, type NexmarkReferenceQuery, referenceQuery } from "./nexmark-reference.js";

const EVENTS = 200_000;

class Collect extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString("utf8");
    done();
  }
}

async function sluice(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Collect();
  const stderr = new Collect();
  const code = await main(args, { stdout, stderr } as never);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Rows as canonical JSON texts (columns in the query's order), sorted, so row order does not matter. */
function canonical(rows: Record<string, unknown>[], columns: readonly string[]): string[] {
  return rows.map((r) => JSON.stringify(columns.map((c) => r[c]))).sort();
}

function readNdjson(file: string): Record<string, unknown>[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe(`Nexmark queries on ${EVENTS.toLocaleString("en-US")} events equal the SQL reference`, () => {
  let dir: string;
  let db: Database.Database;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "sluice-nexmark-"));
    const generated = await sluice(
      "nexmark",
      "generate",
      "--events",
      String(EVENTS),
      "--output",
      join(dir, "events.ndjson"),
    );
    assert.equal(generated.code, 0, generated.stderr);
    db = new Database(":memory:");
    loadNexmarkNdjson(db, join(dir, "events.ndjson"));
  });

  after(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, query] of Object.entries(NEXMARK_QUERIES)) {
    it(`${name}: ${query.description}`, async () => {
      const output = join(dir, `${name}.ndjson`);
      const run = await sluice(
        "nexmark",
        "run",
        name,
        "--events",
        String(EVENTS),
        "--output",
        output,
        "--json",
      );
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout) as {
        query: string;
        events: number;
        seconds: number;
        eventsPerSecond: number;
      };
      assert.equal(report.query, name);
      assert.equal(report.events, EVENTS);
      assert.ok(report.seconds > 0 && report.eventsPerSecond > 0);
      const actual = readNdjson(output);
      for (const row of actual) assert.deepEqual(Object.keys(row), [...query.columns], `${name} columns`);
      const expected = referenceQuery(db, name as NexmarkReferenceQuery);
      assert.ok(expected.length > 0, `the reference finds rows for ${name}`);
      assert.equal(actual.length, expected.length, `${name} row count`);
      assert.deepEqual(canonical(actual, query.columns), canonical(expected, query.columns));
    });
  }
});

describe("sluice nexmark run: usage", () => {
  it("refuses an unknown query, a missing --events and a bad number with exit code 2", async () => {
    for (const args of [
      ["nexmark", "run", "q6", "--events", "10"],
      ["nexmark", "run", "q1"],
      ["nexmark", "run", "q1", "--events", "ten"],
      ["nexmark", "run", "q1", "--events", "10", "--bogus"],
      ["nexmark", "frobnicate"],
      ["frobnicate"],
    ]) {
      const r = await sluice(...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, /Usage: sluice/);
    }
  });

  it("prints help with exit code 0", async () => {
    for (const args of [
      ["--help"],
      ["nexmark", "run", "--help"],
      ["nexmark", "generate", "--help"],
      ["demo", "--help"],
    ]) {
      const r = await sluice(...args);
      assert.equal(r.code, 0, args.join(" "));
      assert.match(r.stdout, /Usage: sluice/);
    }
  });

  it("without --json prints a throughput line", async () => {
    const r = await sluice("nexmark", "run", "q2", "--events", "5000");
    assert.equal(r.code, 0);
    assert.match(r.stderr, /q2: 5000 events, \d+ result rows in [\d.]+ s \([\d,]+ events\/s\)/);
  });
});
