/**
 * What a new user does first: `git clone`, `npm install && npm start`. The HEAD commit of this checkout is
 * cloned into a temporary folder (so uncommitted files play no part), installed from the npm registry
 * (`--prefer-offline`: the local npm cache first), and started with `npm start -- --port 0`. Then `/readyz`
 * must answer 200 and the demo's views must have rows within 10 s of the server listening, and a status line
 * must follow. It takes minutes (npm install compiles better-sqlite3 when no prebuilt binary is at hand, and
 * builds the server and the dashboard), so it prints its progress on stderr.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { type DemoProcess, startDemoProcess } from "./demo-process.js";
import { REPO_ROOT } from "./server-under-test.js";

const run = promisify(execFile);

/** The issue's promise: views have rows this soon after the server listens. */
const VIEWS_FILL_WITHIN_MS = 10_000;

const started = Date.now();
function progress(message: string): void {
  process.stderr.write(`[fresh clone +${((Date.now() - started) / 1000).toFixed(0)} s] ${message}\n`);
}

/** The environment without what `npm run` sets for its own scripts, so the clone's npm starts clean. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(name) && name !== "INIT_CWD") env[name] = value;
  }
  return { ...env, NO_COLOR: "1" };
}

async function getJson(url: string): Promise<{ status: number; body: { rows?: unknown[] } }> {
  try {
    const reply = await fetch(url);
    return { status: reply.status, body: (await reply.json()) as { rows?: unknown[] } };
  } catch {
    return { status: 0, body: {} };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a fresh clone", { timeout: 25 * 60_000 }, () => {
  it("installs with npm install, and npm start serves the demo: /readyz 200, views filled within 10 s", async () => {
    const { stdout: head } = await run("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT });
    const commit = head.trim();
    const { stdout: dirty } = await run("git", ["status", "--porcelain"], { cwd: REPO_ROOT });
    const folder = mkdtempSync(join(tmpdir(), "sluice-fresh-clone-"));
    const clone = join(folder, "sluice");
    const env = cleanEnv();
    let demo: DemoProcess | undefined;
    try {
      progress(
        `git clone of ${commit.slice(0, 12)} into ${clone}` +
          (dirty.trim() === "" ? "" : " (this checkout's uncommitted changes are not part of it)"),
      );
      await run("git", ["clone", "--no-local", "--quiet", REPO_ROOT, clone], { env });
      await run("git", ["checkout", "--quiet", "--detach", commit], { cwd: clone, env });

      progress("npm install --prefer-offline (builds better-sqlite3, the server and the dashboard: minutes)");
      const installStarted = Date.now();
      try {
        await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], {
          cwd: clone,
          env,
          timeout: 20 * 60_000,
          maxBuffer: 64 * 1024 * 1024,
        });
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        assert.fail(`npm install failed: ${(error as Error).message}\n${stdout ?? ""}\n${stderr ?? ""}`);
      }
      progress(
        `npm install done in ${((Date.now() - installStarted) / 1000).toFixed(0)} s; npm start -- --port 0`,
      );

      demo = await startDemoProcess({
        command: "npm",
        args: ["start", "--", "--port", "0"],
        cwd: clone,
        env,
        listenTimeoutMs: 120_000,
      });
      const { url, listeningAt } = demo;
      progress(`listening at ${url}`);

      // The banner after the Dashboard line lists each example's views.
      const banner = await demo.waitForOutput(/\(Ctrl-C to stop\)\n((?: {2}.*\n)+)/, 30_000);
      const views = [...banner[1]!.matchAll(/\/v1\/views\/([\w.-]+)/g)].map((m) => m[1]!);
      assert.ok(views.length >= 5, `the demo lists too few views: ${banner[1]}`);

      let ready = 0;
      while (ready !== 200 && Date.now() - listeningAt < VIEWS_FILL_WITHIN_MS) {
        ready = (await getJson(`${url}/readyz`)).status;
        if (ready !== 200) await sleep(100);
      }
      assert.equal(ready, 200, `/readyz 10 s after listening:\n${demo.output()}`);
      progress(`/readyz answered 200 after ${Date.now() - listeningAt} ms`);

      const filledAfter = new Map<string, number>();
      while (filledAfter.size < views.length) {
        const waiting = views.filter((view) => !filledAfter.has(view));
        for (const view of waiting) {
          const { status, body } = await getJson(`${url}/v1/views/${view}?limit=1`);
          if (status === 200 && (body.rows?.length ?? 0) > 0) filledAfter.set(view, Date.now() - listeningAt);
        }
        const late = waiting.filter(
          (view) => !filledAfter.has(view) && Date.now() > listeningAt + VIEWS_FILL_WITHIN_MS,
        );
        assert.deepEqual(late, [], `views without rows in time (${[...filledAfter].join(", ")})`);
        if (filledAfter.size < views.length) await sleep(200);
      }
      progress(
        `views filled (ms after listening): ${[...filledAfter].map(([v, ms]) => `${v} ${ms}`).join(", ")}`,
      );

      const status = await demo.waitForOutput(
        /^\[status\] \d+ events\/s accepted.* · lag \d+ records · DLQ \d+.*$/m,
        30_000,
      );
      progress(`status line: ${status[0]}`);
    } finally {
      await demo?.stop();
      rmSync(folder, { recursive: true, force: true });
      progress("stopped and removed the clone");
    }
  });
});
