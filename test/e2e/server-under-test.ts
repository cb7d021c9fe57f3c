/**
 * The one place that starts the Sluice process the browser tests drive: spawns the CLI on `--port 0` with a
 * fresh `--data` directory, reads the url it prints, feeds it records over HTTP while the tests run, and
 * kills it at the end. To test `sluice demo` (generators feed it) instead, set `SERVED = DEMO` below.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** dist/test/e2e → the repository root. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const CLI = join(REPO_ROOT, "dist", "src", "cli", "sluice.js");

interface ServedCommand {
  /** The CLI arguments, given the data directory. */
  readonly args: (dataDir: string) => string[];
  /** Keeps records flowing into the server at `url` until `signal` aborts (none: it feeds itself). */
  readonly feed: ((url: string, signal: AbortSignal) => Promise<void>) | null;
}

/** `sluice run examples/clickstream-sessions.ts`, fed clicks by the test. */
const RUN_EXAMPLE: ServedCommand = {
  args: (dataDir) => [
    "run",
    join(REPO_ROOT, "examples", "clickstream-sessions.ts"),
    "--port",
    "0",
    "--data",
    dataDir,
    "--checkpoint-interval",
    "250",
  ],
  feed: feedClicks,
};

/** `sluice demo`: five pipelines fed by generators. */
const DEMO: ServedCommand = {
  args: (dataDir) => ["demo", "--port", "0", "--data", dataDir],
  feed: null,
};

const SERVED: ServedCommand = process.env.SLUICE_E2E_SERVER === "demo" ? DEMO : RUN_EXAMPLE;

export interface ServerUnderTest {
  /** Base url without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Everything the process wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Stops feeding, kills the process and removes its data directory. */
  stop(): Promise<void>;
}

/** Starts the server under test and resolves once it listens (30 s at most). */
export async function startServerUnderTest(): Promise<ServerUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-e2e-"));
  const child = spawn(process.execPath, [CLI, ...SERVED.args(dataDir)], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  let url: string;
  try {
    url = await waitForUrl(child, () => output, 30_000);
  } catch (error) {
    child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const feeding = new AbortController();
  const fed = SERVED.feed === null ? Promise.resolve() : SERVED.feed(url, feeding.signal).catch(() => {});
  return {
    url,
    output: () => output,
    async stop() {
      feeding.abort();
      await fed;
      await stopProcess(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The url from `Dashboard: http://…/` (demo) or `serving http://…` (run). */
function waitForUrl(child: ChildProcess, output: () => string, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`no url printed within ${timeoutMs} ms:\n${output()}`)),
      timeoutMs,
    );
    const check = () => {
      const match = /(?:Dashboard: |serving )(https?:\/\/[^\s/]+)/.exec(output());
      if (match !== null) finish(null, match[1]!);
    };
    const exited = (code: number | null) =>
      finish(new Error(`the server exited (code ${code}) before listening:\n${output()}`));
    const finish = (error: Error | null, url?: string) => {
      clearTimeout(timer);
      child.stdout!.off("data", check);
      child.stderr!.off("data", check);
      child.off("exit", exited);
      if (error === null) resolvePromise(url!);
      else reject(error);
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.on("exit", exited);
    check();
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolvePromise) => child.once("exit", () => resolvePromise()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

const USERS = ["ann", "bob", "cem", "dia", "eli", "fay"];
const PAGES = ["/", "/pricing", "/docs", "/blog", "/signup"];

/**
 * Posts a batch of clicks every 300 ms. Event time moves 40 s per batch (faster than the wall clock), so each
 * batch closes the previous batch's sessions (30 s gap) and minute windows keep firing: views change live.
 */
async function feedClicks(url: string, signal: AbortSignal): Promise<void> {
  const base = Math.floor(Date.now() / 60_000) * 60_000;
  const random = seededRandom(42);
  for (let batch = 0; !signal.aborted; batch++) {
    const lines: string[] = [];
    USERS.forEach((user, u) => {
      const clicks = 1 + Math.floor(random() * 3 + (u % 3) * random() * 3);
      for (let c = 0; c < clicks; c++) {
        const page = PAGES[Math.floor(random() * random() * PAGES.length)]!;
        lines.push(JSON.stringify({ user, page, ts: base + batch * 40_000 + u * 500 + c * 1000 }));
      }
    });
    try {
      await fetch(`${url}/v1/streams/clicks/events`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: `${lines.join("\n")}\n`,
        signal,
      });
    } catch {
      if (signal.aborted) return;
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 300));
  }
}

/** A small deterministic generator (mulberry32): the same clicks on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
