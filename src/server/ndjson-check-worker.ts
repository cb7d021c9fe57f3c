/**
 * The worker of NdjsonCheckPool: reads NDJSON bodies of streams with a line check (ndjson-lines.ts, the same
 * code the event loop runs otherwise) and answers each with the lines as sent, their sizes and the line
 * check's answers, or with the body's error. Lines the check left undecided are parsed here too, so a body
 * that is not NDJSON fails here, whole, before anything of it reaches the event loop.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ApiError } from "./api-error.js";
import type { IngestBodyLimits } from "./ingest-body.js";
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

/** The worker's answer: the body's lines, or its error. */
export type NdjsonCheckAnswer =
  | {
      readonly id: number;
      readonly texts: string[];
      readonly sizes: number[];
      readonly checkedEventTimes: (number | null | undefined)[];
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
    const body = lines.body();
    answer = {
      id: request.id,
      texts: body.texts!,
      sizes: body.sizes!,
      checkedEventTimes: body.checkedEventTimes ?? [],
    };
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
  parentPort!.postMessage(answer);
});
