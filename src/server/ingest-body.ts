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
  /** Each record's JSON text as sent (NDJSON lines), which the log stores unless cleansing changed the record. */
  readonly texts?: string[];
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
  const texts: string[] = [];
  /** Bytes of the line still arriving: the chunks after the last newline seen. */
  let pending: Buffer[] = [];
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
    else done(null, { records, sizes, texts });
  };
  const takeLine = (text: string): Error | undefined => {
    line++;
    const trimmed = text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
    // A line starting with "{" is not blank; others are checked.
    if (trimmed.charCodeAt(0) !== 123 && trimmed.trim() === "") return undefined;
    try {
      records.push(JSON.parse(trimmed));
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
    texts.push(trimmed);
    // UTF-16 units ≤ UTF-8 bytes ≤ 3 × units: count bytes only for a line that might be long.
    sizes.push(trimmed.length * 3 <= maxCheap ? trimmed.length : Buffer.byteLength(trimmed));
    if (records.length > limits.maxRecordsPerRequest) return tooManyRecords(limits.maxRecordsPerRequest);
    return undefined;
  };
  const invalidUtf8 = () =>
    new ApiError(400, "invalid_utf8", `line ${line + 1}: not valid UTF-8`, { line: line + 1 });
  /** Takes each line of `text` (complete lines, without the last newline). */
  const takeLines = (text: string): Error | undefined => {
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      const error = takeLine(text.slice(start, nl));
      if (error !== undefined) return error;
      start = nl + 1;
    }
    return takeLine(text.slice(start));
  };
  /**
   * Decodes the complete lines `bytes` holds (0x0A never occurs inside a UTF-8 sequence) at once; when they
   * are not valid UTF-8, decodes them one by one, so the error names the line.
   */
  const takeCompleteLines = (bytes: Buffer): Error | undefined => {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      let start = 0;
      for (let nl = bytes.indexOf(10); start <= bytes.length; nl = bytes.indexOf(10, start)) {
        const end = nl < 0 ? bytes.length : nl;
        let lineText: string;
        try {
          lineText = decoder.decode(bytes.subarray(start, end));
        } catch {
          return invalidUtf8();
        }
        const error = takeLine(lineText);
        if (error !== undefined) return error;
        start = end + 1;
      }
      return undefined;
    }
    return takeLines(text);
  };
  /** Takes the lines a chunk completes; keeps the bytes after its last newline for the next chunk. */
  const takeBytes = (bytes: Buffer): Error | undefined => {
    const last = bytes.lastIndexOf(10);
    if (last < 0) {
      pending.push(bytes);
      return undefined;
    }
    const head = bytes.subarray(0, last);
    const complete = pending.length === 0 ? head : Buffer.concat([...pending, head]);
    pending = last + 1 < bytes.length ? [bytes.subarray(last + 1)] : [];
    return takeCompleteLines(complete);
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
    const rest = Buffer.concat(pending);
    pending = [];
    finish(rest.length === 0 ? null : (takeCompleteLines(rest) ?? null));
  }
  function onError(error: Error): void {
    finish(new ApiError(400, "bad_body", `reading the body failed: ${error.message}`));
  }
  payload.on("data", onData);
  payload.on("end", onEnd);
  payload.on("error", onError);
  payload.resume();
}
