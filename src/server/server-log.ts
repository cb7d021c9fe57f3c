/**
 * The server's log: Fastify's logger (pino) writing one JSON object per line, or the same events as short
 * human-readable lines (`format: "text"`). Request logs carry the method, the URL with `key=` query values
 * redacted, the client address and the status; never request headers, so `Authorization` and `X-API-Key`
 * never reach a log line (and are redacted should anything log headers). Error messages that quote a request
 * body back (V8's `"..." is not valid JSON`) lose the quote, so a value a PII policy protects is not echoed.
 */
import type { FastifyServerOptions } from "fastify";

export type LogFormat = "json" | "text";

export interface ServerLogOptions {
  /** pino's level: `fatal`, `error`, `warn`, `info` (default), `debug`, `trace` or `silent`. */
  readonly level?: string;
  /** `json` (default): one JSON object per line; `text`: `time LEVEL message key=value ...`. */
  readonly format?: LogFormat;
  /** Where lines go (default: standard output). */
  readonly destination?: { write(line: string): unknown };
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const REDACTED = "[REDACTED]";
/** Query parameters that may carry an API key, by their decoded names. */
const KEY_PARAMETERS = new Set(["key", "api_key", "apiKey"]);
const ECHOED_JSON = /,\s*(?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s;
const PINO_LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

/** A URL with the values of `key=` (and `api_key=`, `apiKey=`) query parameters replaced, e.g. for logs. */
export function redactUrl(url: string): string {
  const start = url.indexOf("?");
  if (start === -1) return url;
  const end = url.indexOf("#", start);
  const query = url.slice(start + 1, end === -1 ? undefined : end);
  const redacted = query
    .split("&")
    .map((parameter) => {
      const equals = parameter.indexOf("=");
      const rawName = equals === -1 ? parameter : parameter.slice(0, equals);
      // Names are compared decoded (`%6Bey=` is `key=` to the server), so no spelling slips through.
      return KEY_PARAMETERS.has(decodedName(rawName)) ? `${rawName}=${REDACTED}` : parameter;
    })
    .join("&");
  return `${url.slice(0, start + 1)}${redacted}${end === -1 ? "" : url.slice(end)}`;
}

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return raw;
  }
}

/**
 * A JSON parse error message without the part of the input V8 quotes, e.g.
 * `Unexpected token 'a', "abc" is not valid JSON` → `Unexpected token 'a'`.
 */
export function withoutEchoedInput(message: string): string {
  return message.replace(ECHOED_JSON, "");
}

/** Fastify's `logger` option for these settings, e.g. `Fastify({ logger: serverLogger({ format: "text" }) })`. */
export function serverLogger(options: ServerLogOptions): FastifyServerOptions["logger"] {
  const format = options.format ?? "json";
  const destination = options.destination ?? process.stdout;
  return {
    level: options.level ?? "info",
    serializers: {
      req: (request) => ({
        method: request.method,
        url: redactUrl(request.url ?? ""),
        remoteAddress: request.socket?.remoteAddress,
      }),
    },
    redact: {
      paths: [
        "req.headers.authorization",
        'req.headers["x-api-key"]',
        "headers.authorization",
        'headers["x-api-key"]',
      ],
      censor: REDACTED,
    },
    stream: format === "json" ? destination : textLines(destination),
  } as FastifyServerOptions["logger"];
}

/** A pino destination that turns each JSON line into `time LEVEL message key=value ...`. */
function textLines(destination: { write(line: string): unknown }): { write(line: string): void } {
  return {
    write(line: string) {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        destination.write(line);
        return;
      }
      const { time, level, msg, pid: _pid, hostname: _host, ...rest } = event;
      const parts = [
        typeof time === "number" ? new Date(time).toISOString() : "",
        (PINO_LEVELS[level as number] ?? String(level)).padEnd(5),
        typeof msg === "string" ? msg : "",
      ];
      for (const [key, value] of Object.entries(rest)) parts.push(`${key}=${flat(value)}`);
      destination.write(`${parts.join(" ")}\n`);
    },
  };
}

function flat(value: unknown): string {
  if (typeof value === "string") return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}
