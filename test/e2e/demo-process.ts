/**
 * A running `sluice demo` for the end-to-end tests, however it was started (the built CLI, or `npm start` in
 * a fresh clone): spawned in a process group of its own, its output collected, its dashboard url read from
 * the `Dashboard: <url>/` line it prints once it listens, and stopped by signalling the whole group (npm and
 * the shell it starts would otherwise leave the server running).
 */
import { type ChildProcess, spawn } from "node:child_process";

export interface DemoProcess {
  /** Base url without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** `Date.now()` when the `Dashboard:` line arrived: the server listens from then on. */
  readonly listeningAt: number;
  /** Everything the process wrote so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output, waiting up to `timeoutMs` for it. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** SIGTERM to the process group, SIGKILL after 10 s; resolves once every process of the group is gone. */
  stop(): Promise<void>;
}

export interface DemoCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** How long to wait for the `Dashboard:` line (the process is killed if it does not come). */
  readonly listenTimeoutMs: number;
}

/** Process groups started here and not yet stopped: killed if the test process exits first. */
const running = new Set<number>();
process.on("exit", () => {
  for (const group of running) signalGroup(group, "SIGKILL");
});

/** Starts the command and resolves once it printed its dashboard url. */
export async function startDemoProcess(command: DemoCommand): Promise<DemoProcess> {
  const child = spawn(command.command, [...command.args], {
    cwd: command.cwd,
    env: command.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const group = child.pid!;
  running.add(group);
  let output = "";
  const changed = new Set<() => void>();
  const collect = (chunk: string) => {
    output += chunk;
    for (const notify of changed) notify();
  };
  child.stdout!.setEncoding("utf8").on("data", collect);
  child.stderr!.setEncoding("utf8").on("data", collect);

  const waitForOutput = (pattern: RegExp, timeoutMs: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match !== null) finish(null, match);
      };
      const exited = () => finish(new Error(`the process exited before printing ${pattern}:\n${output}`));
      const timer = setTimeout(
        () => finish(new Error(`${pattern} not printed within ${timeoutMs} ms:\n${output}`)),
        timeoutMs,
      );
      const finish = (error: Error | null, match?: RegExpExecArray) => {
        clearTimeout(timer);
        changed.delete(check);
        child.off("exit", exited);
        if (error === null) resolve(match!);
        else reject(error);
      };
      changed.add(check);
      child.on("exit", exited);
      check();
      if (child.exitCode !== null || child.signalCode !== null) exited();
    });

  const stop = () => stopGroup(child, group);
  let url: string;
  try {
    url = (await waitForOutput(/^Dashboard: (https?:\/\/\S+?)\/?$/m, command.listenTimeoutMs))[1]!;
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, listeningAt: Date.now(), output: () => output, waitForOutput, stop };
}

async function stopGroup(child: ChildProcess, group: number): Promise<void> {
  signalGroup(group, "SIGTERM");
  const killAt = Date.now() + 10_000;
  // The group is gone when signal 0 finds no process in it (the child itself may have exited earlier). A
  // process that stays after SIGKILL can only be a zombie its new parent does not reap: stop waiting then.
  while (signalGroup(group, 0) && Date.now() < killAt + 5000) {
    if (Date.now() > killAt) signalGroup(group, "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (child.exitCode === null && child.signalCode === null) {
    await new Promise((resolve) => child.once("exit", resolve));
  }
  running.delete(group);
}

/** Sends `signal` to every process of the group; false when none is left. */
function signalGroup(group: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-group, signal);
    return true;
  } catch {
    return false;
  }
}
