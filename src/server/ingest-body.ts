/**
 * Reading an ingest request's body into records. `application/json` takes one object or an array of them;
 * `application/x-ndjson` is parsed line by line as it arrives, so the raw body is never held whole. Both
 * enforce the body limit (413), a records-per-request limit (413) and UTF-8 (400), and name the line or
 * position of malformed input (400). Any other content type is left unregistered, so Fastify answers 415.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError } from "./api-error.js";

/** What both parsers give the ingest route. */
export interface IngestBody {
  readonly records: unknown[];
  /**
   * Each record's size as sent (NDJSON lines), for the record size limit: exact UTF-8 bytes when the line
   * could be over the limit, else its length in characters (a lower bound that cannot pass a record wrongly).
   */
  readonly sizes?: number[];
}

export interface IngestBodyLimits {
  /** Record sizes up to this are only estimated (a lower bound), larger ones counted exactly. */
  readonly maxRecordBytes?: number;
  /** Largest body in bytes (413 above it). */
  readonly bodyLimit: number;
  /** Most records in one request (413 above it). */
  readonly maxRecordsPerRequest: number;
}

export const NDJSON = "application/x-ndjson";

/** Replaces Fastify's parsers by the JSON and NDJSON ones, e.g. `registerIngestParsers(app, limits)`. */
export function registerIngestParsers(app: FastifyInstance, limits: IngestBodyLimits): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "application/json",
    { parseAs: "buffer", bodyLimit: limits.bodyLimit },
    (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as Buffer, limits));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  app.addContentTypeParser(NDJSON, (request, payload, done) =>
    parseNdjson(request, payload, limits, (error, body) => done(error, body)),
  );
}

function tooManyRecords(limit: number): ApiError {
  return new ApiError(413, "too_many_records", `a request may hold at most ${limit} records`, { limit });
}

function bodyTooLarge(limit: number): ApiError {
  return new ApiError(413, "body_too_large", `the body is over the limit of ${limit} bytes`, { limit });
}

/** One JSON value: an object (one record) or an array (records). */
export function parseJsonBody(body: Buffer, limits: IngestBodyLimits): IngestBody {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw new ApiError(400, "invalid_utf8", "the body is not valid UTF-8");
  }
  if (text.trim() === "")
    throw new ApiError(400, "empty_body", "the body is empty: send a JSON object or array");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, "malformed_json", `malformed JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(value)) {
    if (value.length > limits.maxRecordsPerRequest) throw tooManyRecords(limits.maxRecordsPerRequest);
    return { records: value };
  }
  if (typeof value === "object" && value !== null) return { records: [value] };
  throw new ApiError(
    400,
    "malformed_json",
    "the body must be a JSON object (one record) or an array of records",
  );
}

/** NDJSON, parsed a line at a time as chunks arrive; blank lines are skipped. */
function parseNdjson(
  request: FastifyRequest,
  payload: NodeJS.ReadableStream,
  limits: IngestBodyLimits,
  done: (error: Error | null, body?: IngestBody) => void,
): void {
  const declared = Number(request.headers["content-length"]);
  if (declared > limits.bodyLimit) {
    done(bodyTooLarge(limits.bodyLimit));
    return;
  }
  const maxCheap = limits.maxRecordBytes ?? 0;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const records: unknown[] = [];
  const sizes: number[] = [];
  let pending = "";
  let line = 0;
  let received = 0;
  let finished = false;

  const finish = (error: Error | null) => {
    if (finished) return;
    finished = true;
    payload.removeListener("data", onData);
    payload.removeListener("end", onEnd);
    payload.removeListener("error", onError);
    if (error !== null) done(error);
    else done(null, { records, sizes });
  };
  const takeLine = (text: string): Error | undefined => {
    line++;
    const trimmed = text.endsWith("\r") ? text.slice(0, -1) : text;
    if (trimmed.trim() === "") return undefined;
    try {
      records.push(JSON.parse(trimmed));
      // UTF-16 units ≤ UTF-8 bytes ≤ 3 × units: count bytes only for a line that might be long.
      sizes.push(trimmed.length * 3 <= maxCheap ? trimmed.length : Buffer.byteLength(trimmed));
    } catch (error) {
      return new ApiError(
        400,
        "malformed_ndjson",
        `line ${line}: malformed JSON: ${(error as Error).message}`,
        {
          line,
          index: records.length,
        },
      );
    }
    if (records.length > limits.maxRecordsPerRequest) return tooManyRecords(limits.maxRecordsPerRequest);
    return undefined;
  };
  const invalidUtf8 = () =>
    new ApiError(400, "invalid_utf8", `line ${line + 1}: not valid UTF-8`, { line: line + 1 });
  /**
   * Splits at newline bytes (0x0A never occurs inside a UTF-8 sequence), so each line is decoded on its own and
   * an invalid byte is blamed on its line; only this chunk is searched, so a long line is scanned once.
   */
  const takeBytes = (bytes: Uint8Array): Error | undefined => {
    let start = 0;
    try {
      for (let nl = bytes.indexOf(10); nl >= 0; nl = bytes.indexOf(10, start)) {
        const text = pending + decoder.decode(bytes.subarray(start, nl), { stream: true }) + decoder.decode();
        pending = "";
        start = nl + 1;
        const error = takeLine(text);
        if (error !== undefined) return error;
      }
      pending += decoder.decode(bytes.subarray(start), { stream: true });
    } catch {
      return invalidUtf8();
    }
    return undefined;
  };
  function onData(chunk: Buffer | string): void {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    received += bytes.length;
    if (received > limits.bodyLimit) {
      finish(bodyTooLarge(limits.bodyLimit));
      return;
    }
    const error = takeBytes(bytes);
    if (error !== undefined) finish(error);
  }
  function onEnd(): void {
    let rest: string;
    try {
      rest = pending + decoder.decode();
    } catch {
      finish(invalidUtf8());
      return;
    }
    finish(takeLine(rest) ?? null);
  }
  function onError(error: Error): void {
    finish(new ApiError(400, "bad_body", `reading the body failed: ${error.message}`));
  }
  payload.on("data", onData);
  payload.on("end", onEnd);
  payload.on("error", onError);
  payload.resume();
}
