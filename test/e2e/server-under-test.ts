/**
 * The one place that starts the Sluice process the browser tests drive: `sluice demo` (what `npm start`
 * runs) from this checkout's build, on `--port 0` with a fresh `--data` directory. Its generators feed the
 * five demo pipelines, so views change, dead letters arrive and every pipeline reports its graph while the
 * tests run. `stop()` kills it and removes the directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startDemoProcess } from "./demo-process.js";

/** dist/test/e2e → the repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const CLI = join(REPO_ROOT, "dist", "src", "cli", "sluice.js");

export interface ServerUnderTestOptions {
  /** Start the demo with `--api-key KEY`: every API call then needs the key. */
  readonly apiKey?: string;
}

export interface ServerUnderTest {
  /** Base url without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Everything the process wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Kills the process and removes its data directory. */
  stop(): Promise<void>;
}

/** Starts `sluice demo` and resolves once it listens (60 s at most). */
export async function startServerUnderTest(options: ServerUnderTestOptions = {}): Promise<ServerUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), "sluice-e2e-"));
  const args = [CLI, "demo", "--port", "0", "--data", dataDir];
  if (options.apiKey !== undefined) args.push("--api-key", options.apiKey);
  try {
    const demo = await startDemoProcess({
      command: process.execPath,
      args,
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: "1" },
      listenTimeoutMs: 60_000,
    });
    return {
      url: demo.url,
      output: demo.output,
      async stop() {
        await demo.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
