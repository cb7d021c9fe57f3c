/**
 * The `sluice` command: dispatches to its subcommands, prints conventional help, and exits 2 on bad usage.
 */
import { readFileSync } from "node:fs";
import { runDemo } from "./demo.js";
import { runNexmarkGenerate } from "./nexmark-generate.js";
import { NEXMARK_RUN_USAGE, runNexmarkRun } from "./nexmark-run.js";
import { runRun } from "./run-command.js";

const USAGE = `Usage: sluice COMMAND [options]

Sluice — a real-time data pipeline engine for TypeScript.

Commands:
  demo                      run the demo pipelines (what \`npm start\` runs)
  run FILE                  run a pipeline module on the embedded store (resume, replay, backfill)
  nexmark generate          write Nexmark events as NDJSON
  nexmark run QUERY         run a Nexmark query in-process and report throughput

Options:
  -h, --help                show help (also: sluice COMMAND --help)
  -v, --version             print the version

Run \`sluice COMMAND --help\` for a command's options.
`;

const NEXMARK_USAGE = `Usage: sluice nexmark generate|run ...

  generate --events N [--output FILE]        Nexmark events as NDJSON
  run QUERY --events N [--output FILE] [--json]   run a query in-process

Run \`sluice nexmark generate --help\` or \`sluice nexmark run --help\` for details.
${"\n"}${NEXMARK_RUN_USAGE.split("\n").slice(3, 4).join("\n")}
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

export async function main(
  argv: string[],
  io = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      io.stderr.write(USAGE);
      return 2;
    case "-h":
    case "--help":
    case "help":
      io.stdout.write(USAGE);
      return 0;
    case "-v":
    case "--version":
      io.stdout.write(`${version()}\n`);
      return 0;
    case "demo":
      return runDemo(rest, io);
    case "run":
      return runRun(rest, io);
    case "nexmark": {
      const [sub, ...args] = rest;
      if (sub === "generate") return runNexmarkGenerate(args, io);
      if (sub === "run") return runNexmarkRun(args, io);
      if (sub === "--help" || sub === "-h") {
        io.stdout.write(NEXMARK_USAGE);
        return 0;
      }
      io.stderr.write(
        `sluice nexmark: unknown subcommand ${sub === undefined ? "(none)" : JSON.stringify(sub)}\n\n${NEXMARK_USAGE}`,
      );
      return 2;
    }
    default:
      io.stderr.write(`sluice: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}
