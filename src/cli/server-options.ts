/**
 * The HTTP server options that `sluice run` and `sluice demo` share — `--tls-cert/--tls-key` (serve HTTPS) and
 * `--log-format/--log-level` (the server's request and error log) — declared, documented and parsed once:
 * `SERVER_OPTIONS` goes into `parseArgs`, `serverOptionsUsage()` into the command's usage text, and
 * `parseServerOptions(values)` turns what the user typed into what `createServer` takes.
 */
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { LOG_LEVELS, type LogFormat } from "../server/server-log.js";
import { OptionError } from "./integer-option.js";

/** The `parseArgs` declarations, e.g. `parseArgs({ args, options: { port: ..., ...SERVER_OPTIONS } })`. */
export const SERVER_OPTIONS = {
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "log-format": { type: "string" },
  "log-level": { type: "string" },
} as const;

/** What `parseArgs` gives for SERVER_OPTIONS. */
export interface ServerOptionValues {
  readonly "tls-cert"?: string | undefined;
  readonly "tls-key"?: string | undefined;
  readonly "log-format"?: string | undefined;
  readonly "log-level"?: string | undefined;
}

export interface ServerSettings {
  /** The PEM certificate and key, read from their files; undefined: plain HTTP. */
  readonly tls: { readonly cert: Buffer; readonly key: Buffer } | undefined;
  readonly log: { readonly format: LogFormat; readonly level: string };
}

/** The usage lines of SERVER_OPTIONS, aligned with the other options of `sluice run` and `sluice demo`. */
export function serverOptionsUsage(defaultLogLevel: string): string {
  const levels = LOG_LEVELS.map((level) => (level === defaultLogLevel ? `${level} (default)` : level));
  return `  --tls-cert FILE              serve HTTPS with this PEM certificate (needs --tls-key)
  --tls-key FILE               the PEM private key of --tls-cert
  --log-format text|json       the server's request and error log on stdout: text (default), one line per
                               event, or json, one JSON object per line; progress lines stay text on stderr
  --log-level LEVEL            ${levels.join(" | ")}
`;
}

/**
 * Checks and reads the server options, e.g. `parseServerOptions(values, "info")`; throws OptionError naming
 * the option (the command prints it with its usage and exits with code 2).
 */
export function parseServerOptions(values: ServerOptionValues, defaultLogLevel: string): ServerSettings {
  const format = values["log-format"] ?? "text";
  if (format !== "text" && format !== "json") {
    throw new OptionError(`--log-format must be "text" or "json", got ${JSON.stringify(format)}`);
  }
  const level = values["log-level"] ?? defaultLogLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new OptionError(
      `--log-level must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(level)}`,
    );
  }
  return { tls: tlsFiles(values["tls-cert"], values["tls-key"]), log: { format, level } };
}

/** The certificate and key of --tls-cert/--tls-key, read now: both or neither, each a readable file. */
function tlsFiles(
  certFile: string | undefined,
  keyFile: string | undefined,
): { cert: Buffer; key: Buffer } | undefined {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) {
    throw new OptionError("--tls-cert and --tls-key go together: pass both (PEM files) or neither");
  }
  const read = (file: string, option: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      const reason =
        (error as { code?: string }).code === "ENOENT" ? "no such file" : (error as Error).message;
      throw new OptionError(`${option} ${file}: cannot read it (${reason})`);
    }
  };
  const pair = { cert: read(certFile, "--tls-cert"), key: read(keyFile, "--tls-key") };
  try {
    createSecureContext(pair);
  } catch (error) {
    throw new OptionError(
      `--tls-cert ${certFile} and --tls-key ${keyFile} are not a PEM certificate and its private key (${(error as Error).message})`,
    );
  }
  return pair;
}
