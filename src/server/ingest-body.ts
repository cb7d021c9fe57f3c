/**
 * Reading an ingest request's body into records. `application/json` takes one object or an array of them;
 * `application/x-ndjson` is read line by line as it arrives, never gathered first (only what will be stored is
 * kept: accepted lines as their bytes, other records parsed) — except, with `ndjsonWorker`, for a stream with a
 * line check, whose body is gathered (up to the body limit) and read in a worker thread (ndjson-check-pool.ts),
 * so the event loop only appends and answers. Both
 * enforce the body limit (413), a records-per-request limit (413) and UTF-8 (400), and name the line or
 * position of malformed input (400). Any other content type is left unregistered, so Fastify answers 415.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { RecordText } from "../store/log-batch.js";
import { ApiError } from "./api-error.js";
import type { LineCheck } from "./line-check.js";
import type { NdjsonCheckPool } from "./ndjson-check-pool.js";
import { NdjsonLines, tooManyRecords } from "./ndjson-lines.js";

/** What both parsers give the ingest route. */
export interface IngestBody {
  readonly records: unknown[];
  /** Each record's size as sent (NDJSON lines) in UTF-8 bytes, for the record size limit. */
  readonly sizes?: number[];
  /**
   * Each record's JSON as sent (NDJSON lines): the bytes of a line the line check accepted, which the log
   * stores as they are; the text of another.
   */
  readonly texts?: RecordText[];
  /**
   * Per record, when the stream's line check accepted its line: its event time (null: none); the record is
   * then left unparsed (undefined in `records`) and stored as its text. Undefined for the others.
   */
  readonly checkedEventTimes?: (number | null | undefined)[];
}

export interface IngestBodyLimits {
  /** Lines over this many bytes skip the line check: the full path rejects them with the size reason. */
  readonly maxRecordBytes?: number;
  /** Largest body in bytes (413 above it). */
  readonly bodyLimit: number;
  /** Most records in one request (413 above it). */
  readonly maxRecordsPerRequest: number;
}

export const NDJSON = "application/x-ndjson";

/**
 * Replaces Fastify's parsers by the JSON and NDJSON ones; NDJSON lines of a stream with a line check are
 * checked as they arrive, e.g. `registerIngestParsers(app, limits, lineChecks)`.
 */
export function registerIngestParsers(
  app: FastifyInstance,
  limits: IngestBodyLimits,
  lineChecks: ReadonlyMap<string, LineCheck> = new Map(),
  pool?: NdjsonCheckPool,
): void {
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
  app.addContentTypeParser(NDJSON, (request, payload, done) => {
    const stream = streamOf(request);
    const sink = pool?.serves(stream)
      ? readNdjsonInWorker(stream, pool)
      : parseNdjson(limits, lineChecks.get(stream));
    readBody(request, payload, limits, sink, (error, body) => done(error, body));
  });
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
    if (value.length > limits.maxRecordsPerRequest)
      throw tooManyRecords(limits.maxRecordsPerRequest, "request");
    return { records: value };
  }
  if (typeof value === "object" && value !== null) return { records: [value] };
  throw new ApiError(
    400,
    "malformed_json",
    "the body must be a JSON object (one record) or an array of records",
  );
}

/** What a body reader does with the chunks of a body as they arrive, and with the whole once it ended. */
interface BodySink {
  /** Takes the next chunk; an error refuses the body and stops reading. */
  push(bytes: Buffer): Error | undefined;
  /** The records, once the body ended after `received` bytes. */
  end(received: number): Promise<IngestBody>;
}

/**
 * Reads a body into a sink, enforcing the body limit (from `Content-Length` first, then while reading) and
 * answering `done` once: with the sink's records, or with the first error.
 */
function readBody(
  request: FastifyRequest,
  payload: NodeJS.ReadableStream,
  limits: IngestBodyLimits,
  sink: BodySink,
  done: (error: Error | null, body?: IngestBody) => void,
): void {
  const declared = Number(request.headers["content-length"]);
  if (declared > limits.bodyLimit) {
    done(bodyTooLarge(limits.bodyLimit));
    return;
  }
  let received = 0;
  let finished = false;
  const finish = (error: Error | undefined) => {
    if (finished) return;
    finished = true;
    payload.removeListener("data", onData);
    payload.removeListener("end", onEnd);
    payload.removeListener("error", onError);
    if (error !== undefined) done(error);
    else
      sink.end(received).then(
        (body) => done(null, body),
        (failed: Error) => done(failed),
      );
  };
  function onData(chunk: Buffer | string): void {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    received += bytes.length;
    if (received > limits.bodyLimit) {
      finish(bodyTooLarge(limits.bodyLimit));
      return;
    }
    const error = sink.push(bytes);
    if (error !== undefined) finish(error);
  }
  function onEnd(): void {
    finish(undefined);
  }
  function onError(error: Error): void {
    finish(new ApiError(400, "bad_body", `reading the body failed: ${error.message}`));
  }
  payload.on("data", onData);
  payload.on("end", onEnd);
  payload.on("error", onError);
  payload.resume();
}

/** NDJSON of a stream the worker serves: the body is gathered (up to the body limit), then read there. */
function readNdjsonInWorker(stream: string, pool: NdjsonCheckPool): BodySink {
  const chunks: Buffer[] = [];
  return {
    push(bytes) {
      chunks.push(bytes);
      return undefined;
    },
    end(received) {
      // A buffer of its own (never a slice of Node's shared pool), so it can be handed to the worker.
      const body = Buffer.allocUnsafeSlow(received);
      let at = 0;
      for (const chunk of chunks) at += chunk.copy(body, at);
      return pool.read(stream, body);
    },
  };
}

/** NDJSON, parsed a line at a time as chunks arrive; blank lines are skipped. */
function parseNdjson(limits: IngestBodyLimits, check: LineCheck | undefined): BodySink {
  const lines = new NdjsonLines(limits, "request", check);
  return {
    push: (bytes) => lines.push(bytes),
    end() {
      const error = lines.end();
      return error === undefined ? Promise.resolve(lines.body()) : Promise.reject(error);
    },
  };
}

function streamOf(request: FastifyRequest): string {
  return (request.params as { stream?: string } | undefined)?.stream ?? "";
}
