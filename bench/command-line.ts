/**
 * The benchmarks' command lines: options parsed with `node:util`'s parseArgs, `--help` printing the usage, and
 * a bad option answered with its message, the usage and exit code 2 (not a stack trace), e.g.
 * `const values = readCommandLine(HELP, { events: { type: "string", default: "1000" } })`.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** What parseArgs gives for these options. */
type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O }>>["values"];

/** Prints a problem with the command line and the usage, and exits with code 2. */
export function usageError(message: string, help: string): never {
  process.stderr.write(`${message}\n\n${help}`);
  process.exit(2);
}

/** The options' values; `--help` (added to every command) prints `help` and exits 0. */
export function readCommandLine<const O extends Options>(help: string, options: O): Values<O> {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ options: { ...options, help: { type: "boolean" } } }).values;
  } catch (error) {
    usageError((error as Error).message, help);
  }
  if (values.help === true) {
    process.stdout.write(help);
    process.exit(0);
  }
  return values as Values<O>;
}

/**
 * A number option's value, e.g. `numberOption("--events", values.events, HELP)` (> 0), or with `{ min: 0 }`
 * (≥ 0); anything else is a usage error.
 */
export function numberOption(name: string, text: string, help: string, bound: { min?: number } = {}): number {
  const n = Number(text);
  const ok = text.trim() !== "" && Number.isFinite(n) && (bound.min === undefined ? n > 0 : n >= bound.min);
  if (!ok) {
    const wanted = bound.min === undefined ? "a positive number" : `a number ≥ ${bound.min}`;
    usageError(`${name} must be ${wanted}, got ${JSON.stringify(text)}`, help);
  }
  return n;
}
