/**
 * The worker of NdjsonCheckPool: reads NDJSON bodies of streams with a line check (ndjson-lines.ts, the same
 * code the event loop runs otherwise) and answers each with the lines as sent, their sizes and the line
 * check's answers, or with the body's error. Lines the check left undecided are parsed here too, so a body
 * that is not NDJSON fails here, whole, before anything of it reaches the event loop.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ApiError } from "./api-error.js";
import type { IngestBody, IngestBodyLimits } from "./ingest-body.js";
import { compileLineCheck, type LineCheck } from "./line-check.js";
import { NdjsonLines } from "./ndjson-lines.js";
import type { RecordLimits } from "./record-limits.js";
import type { StreamDefinition } from "./stream-definition.js";

/** What a request to the worker holds: an id, the stream, the body (its own ArrayBuffer, transferred). */
export interface NdjsonCheckRequest {
  readonly id: number;
  readonly stream: string;
  readonly body: Uint8Array;
}

/**
 * The worker's answer: the body's lines, or its error. The lines come as typed arrays (transferred, like the
 * body, which goes back with them), so the answer costs no object per line to send or receive.
 */
export type NdjsonCheckAnswer =
  | {
      readonly id: number;
      readonly body: Uint8Array;
      /** Per line: where it lies in the body (start, end), or -1, -1 when its text is in `strings` instead. */
      readonly spans: Int32Array;
      /** Per line: its size in bytes. */
      readonly sizes: Int32Array;
      /** Per line: 1 when the line check accepted it, else 0. */
      readonly checked: Uint8Array;
      /** Per line the line check accepted: its event time (NaN: none). */
      readonly eventTimes: Float64Array;
      /** In line order, the texts of lines not given by a span (those the check left undecided, mostly). */
      readonly strings: string[];
    }
  | {
      readonly id: number;
      readonly error: { status: number; code: string; message: string; details?: unknown };
    };

/** The part of a stream definition a line check is compiled from (structured-cloneable). */
export type CheckedStreamSpec = Pick<StreamDefinition, "name" | "schema" | "eventTime" | "cleanse">;

const { streams, limits, recordLimits } = workerData as {
  streams: CheckedStreamSpec[];
  limits: IngestBodyLimits;
  recordLimits: RecordLimits;
};
const checks = new Map<string, LineCheck | undefined>();
for (const spec of streams) checks.set(spec.name, compileLineCheck(spec as StreamDefinition, recordLimits));

parentPort!.on("message", (request: NdjsonCheckRequest) => {
  const bytes = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
  const lines = new NdjsonLines(limits, "request", checks.get(request.stream));
  let answer: NdjsonCheckAnswer;
  try {
    const error = lines.push(bytes) ?? lines.end();
    if (error !== undefined) throw error;
    answer = compactAnswer(request.id, bytes, lines.body());
  } catch (error) {
    const e = error instanceof ApiError ? error : new ApiError(500, "internal", "reading the body failed");
    answer = {
      id: request.id,
      error: {
        status: e.statusCode,
        code: e.code,
        message: e.message,
        ...(e.details === undefined ? {} : { details: e.details }),
      },
    };
  }
  // The body goes back (transferred, not copied): the accepted lines are stored from its bytes.
  const transfer =
    "error" in answer ? [] : [answer.body, answer.spans, answer.sizes, answer.checked, answer.eventTimes];
  parentPort!.postMessage(
    answer,
    transfer.map((array) => array.buffer as ArrayBuffer),
  );
});

const UTF8 = new TextDecoder();

/** A body's lines as typed arrays over the body; a line held in another buffer goes as a string. */
function compactAnswer(id: number, body: Buffer, lines: IngestBody): NdjsonCheckAnswer {
  const texts = lines.texts!;
  const n = texts.length;
  const spans = new Int32Array(2 * n);
  const sizes = new Int32Array(lines.sizes!);
  const checked = new Uint8Array(n);
  const eventTimes = new Float64Array(n);
  const strings: string[] = [];
  for (let i = 0; i < n; i++) {
    const text = texts[i]!;
    const time = lines.checkedEventTimes?.[i];
    if (time !== undefined) {
      checked[i] = 1;
      eventTimes[i] = time ?? Number.NaN;
    }
    if (typeof text !== "string" && text.bytes.buffer === body.buffer) {
      spans[2 * i] = text.bytes.byteOffset - body.byteOffset + text.start;
      spans[2 * i + 1] = text.bytes.byteOffset - body.byteOffset + text.end;
    } else {
      spans[2 * i] = -1;
      spans[2 * i + 1] = -1;
      strings.push(typeof text === "string" ? text : UTF8.decode(text.bytes.subarray(text.start, text.end)));
    }
  }
  return { id, body, spans, sizes, checked, eventTimes, strings };
}
