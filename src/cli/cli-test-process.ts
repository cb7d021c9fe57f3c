/**
 * The built `sluice` CLI run as a child process, for tests: its stdout and stderr collected apart (JSON logs
 * go to one, progress lines to the other), a wait for a line in either, and its exit. E.g.
 * `const p = startSluice(["run", example, "--port", "0"]); const [, url] = await p.waitFor("stderr", /serving (\S+)/)`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const SLUICE = fileURLToPath(new URL("./sluice.js", import.meta.url));

export interface CliTestProcess {
  readonly child: ChildProcess;
  /** What the process wrote to stdout so far. */
  stdout(): string;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** Its exit code (null when a signal ended it), once its outputs are read to the end. */
  readonly exited: Promise<number | null>;
  /**
   * The first match of `pattern` in one of its outputs, once it is there; rejects, with stderr, if the process
   * exits or `timeoutMs` passes first.
   */
  waitFor(output: "stdout" | "stderr", pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Signals the process if it still runs (default SIGTERM) and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `sluice ...args` with Node's own binary. */
export function startSluice(args: readonly string[]): CliTestProcess {
  const child = spawn(process.execPath, [SLUICE, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const text = { stdout: "", stderr: "" };
  const changed = new Set<() => void>();
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    text.stdout += chunk;
    for (const notify of changed) notify();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    text.stderr += chunk;
    for (const notify of changed) notify();
  });
  let closed = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      closed = true;
      resolve(code);
    }),
  );
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    exited,
    waitFor(output, pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text[output]);
          if (match !== null) finish(() => resolve(match));
          else if (closed) finish(() => reject(new Error(`sluice exited before ${pattern}: ${text.stderr}`)));
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${text.stderr}`))),
          timeoutMs,
        );
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          changed.delete(check);
          settle();
        };
        changed.add(check);
        void exited.then(check);
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
