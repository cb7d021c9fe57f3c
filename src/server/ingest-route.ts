/**
 * `POST /v1/streams/:stream/events`: validates each record (limits, cleansing, schema), appends the valid
 * ones to the stream log and answers only after that append committed (a durable acknowledgement); writes
 * each rejected one to the dead-letter ledger at once. 200 when any record was accepted (or none was sent);
 * 422 when every record was rejected. An `Idempotency-Key` header makes a retry return the first reply.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { RecordText } from "../store/log-batch.js";
import { ApiError, errorBody } from "./api-error.js";
import { presentedKey } from "./api-keys.js";
import { clientOf, type IngestAdmission } from "./ingest-admission.js";
import type { IngestBody } from "./ingest-body.js";
import { UNKNOWN_STREAM } from "./metrics.js";
import { checkRecordLimits, TOO_DEEP_RECORD } from "./record-limits.js";
import type { ServerContext } from "./server-context.js";

/** One rejected record of a request: its index in the body and why. */
export interface IngestError {
  readonly index: number;
  readonly reason: string;
}

/** The reply to an ingest request (with an `error` too when every record was rejected). */
export interface IngestReply {
  readonly accepted: number;
  readonly rejected: number;
  readonly offsets: { readonly first: number; readonly last: number } | null;
  readonly errors: IngestError[];
}

/** Printable ASCII, as in the IETF Idempotency-Key draft's examples. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Rejections listed in one reply; the counts stay exact beyond it. */
const MAX_ERRORS_LISTED = 1000;

type IngestRequest = FastifyRequest<{ Params: { stream: string } }>;

export function registerIngestRoute(
  app: FastifyInstance,
  ctx: ServerContext,
  admission?: IngestAdmission,
): void {
  app.post<{ Params: { stream: string } }>(
    "/v1/streams/:stream/events",
    {
      config: { permission: (request) => ({ kind: "ingest", stream: streamParam(request) }) },
      // Before the body is read: an unknown stream costs no parsing.
      onRequest: async (request: IngestRequest, reply: FastifyReply) => {
        if (!ctx.streams.has(request.params.stream)) {
          throw new ApiError(404, "unknown_stream", `no stream ${JSON.stringify(request.params.stream)}`, {
            streams: [...ctx.streams.keys()],
          });
        }
        // Backpressure and rate limits (429 + Retry-After), still before the body is read.
        const refusal = admission?.admit(clientOf(request, presentedKey(request.headers)));
        if (refusal !== undefined) {
          return reply.code(429).header("retry-after", String(refusal.retryAfter)).send(refusal.body);
        }
      },
      onResponse: async (request: IngestRequest, reply: FastifyReply) => {
        const stream = ctx.streams.has(request.params.stream) ? request.params.stream : UNKNOWN_STREAM;
        ctx.metrics.ingestRequests.inc({ stream, status: String(reply.statusCode) });
        ctx.metrics.ingestDuration.observe({ stream }, reply.elapsedTime / 1000);
      },
    },
    async (request, reply) => {
      const name = request.params.stream;
      const idempotencyKey = request.headers["idempotency-key"];
      if (idempotencyKey !== undefined) {
        if (typeof idempotencyKey !== "string" || !IDEMPOTENCY_KEY.test(idempotencyKey)) {
          throw new ApiError(
            400,
            "bad_idempotency_key",
            "Idempotency-Key must be 1-255 printable ASCII characters",
          );
        }
        const first = ctx.idempotency.get(name, idempotencyKey, ctx.clock.now());
        if (first !== undefined) {
          return reply.code(first.status).header("idempotent-replayed", "true").send(first.body);
        }
      }
      const body = request.body as IngestBody | undefined;
      if (body === undefined || !Array.isArray(body.records)) {
        throw new ApiError(400, "empty_body", "send records as application/json or application/x-ndjson");
      }
      const { status, payload } = ingest(ctx, name, body, idempotencyKey as string | undefined);
      return reply.code(status).send(payload);
    },
  );
}

/**
 * Validates, appends and dead-letters one request's records; synchronous, so requests never interleave. Shared
 * by HTTP and WebSocket ingest, e.g. `const { status, payload } = ingest(ctx, "readings", { records })`. With an
 * `idempotencyKey`, the reply is stored in the transaction that appends the records.
 */
export function ingest(
  ctx: ServerContext,
  name: string,
  body: IngestBody,
  idempotencyKey?: string,
): { status: number; payload: unknown } {
  const { records, sizes, texts, checkedEventTimes } = body;
  const stream = ctx.streams.get(name)!;
  const now = ctx.clock.now();
  const valid: unknown[] = [];
  const eventTimes: (number | null)[] = [];
  // The text as received of each line the stream's line check accepted, stored instead of serialising the
  // record. Only those: a line that went the full way may repeat a key, which JSON.parse resolves to the last
  // value and SQLite's json_extract to the first, so its record is serialised from what was validated. A
  // stream with PII policies has no line check (compileLineCheck), so its texts are never stored as sent.
  const validTexts: (RecordText | undefined)[] | undefined = texts === undefined ? undefined : [];
  const rejected: Array<{ index: number; reason: string; record: unknown }> = [];
  for (let i = 0; i < records.length; i++) {
    const checkedTime = checkedEventTimes?.[i];
    if (checkedTime !== undefined) {
      valid.push(undefined);
      eventTimes.push(checkedTime);
      validTexts!.push(texts![i]);
      continue;
    }
    const record = records[i];
    const limit = checkRecordLimits(record, ctx.recordLimits, sizes?.[i]);
    if (limit !== undefined) {
      rejected.push({ index: i, reason: limit.reason, record: limit.tooDeep ? TOO_DEEP_RECORD : record });
      continue;
    }
    const result = stream.validateRecord(record);
    if (result.ok) {
      valid.push(result.record);
      eventTimes.push(result.eventTime);
      validTexts?.push(undefined);
    } else {
      rejected.push({ index: i, reason: result.reason, record });
    }
  }
  // PII policies: after validation (which saw the original values), before anything is written.
  ctx.protectors.get(name)?.protectBatch(valid, rejected);
  // Dead letters first: if they fail, nothing was appended and a retry is clean (a failed append after
  // them only repeats dead letters on retry, never log records).
  if (rejected.length > 0) {
    const ledger = ctx.store.deadLetters();
    ctx.store.stateDb
      .transaction(() => {
        for (const r of rejected) {
          ledger.writeNow({
            stepId: "ingest",
            reason: "invalid",
            record: r.record,
            time: Number.NaN,
            at: now,
            error: `record ${r.index}: ${r.reason}`,
            origin: { stream: name },
          });
        }
      })
      .immediate();
    ctx.metrics.dlqEntries.inc({ reason: "invalid" }, rejected.length);
    ctx.metrics.ingestRecords.inc({ stream: name, result: "rejected" }, rejected.length);
  }
  const append = (): { status: number; payload: unknown } => {
    let offsets: IngestReply["offsets"] = null;
    if (valid.length > 0) {
      const range = ctx.store.log.append(name, valid, eventTimes, now, validTexts);
      offsets = { first: range.first, last: range.last };
    }
    return ingestReply(name, valid.length, rejected, offsets);
  };
  let answer: { status: number; payload: unknown };
  if (idempotencyKey === undefined) {
    answer = append();
  } else {
    // With a key, the reply commits with the records it acknowledges: a crash keeps both or neither, so a retry
    // that finds no reply finds no records either.
    answer = ctx.store.logDb
      .transaction(() => {
        const reply = append();
        ctx.idempotency.persist(name, idempotencyKey, { status: reply.status, body: reply.payload }, now);
        return reply;
      })
      .immediate();
    ctx.idempotency.rememberCommitted(
      name,
      idempotencyKey,
      { status: answer.status, body: answer.payload },
      now,
    );
  }
  if (valid.length > 0) ctx.metrics.ingestRecords.inc({ stream: name, result: "accepted" }, valid.length);
  return answer;
}

/** The reply to an ingest request: 200 with what was accepted, or 422 when every record was rejected. */
function ingestReply(
  name: string,
  accepted: number,
  rejected: ReadonlyArray<{ index: number; reason: string }>,
  offsets: IngestReply["offsets"],
): { status: number; payload: unknown } {
  const result: IngestReply = {
    accepted,
    rejected: rejected.length,
    offsets,
    errors: rejected.slice(0, MAX_ERRORS_LISTED).map((r) => ({ index: r.index, reason: r.reason })),
  };
  if (accepted === 0 && rejected.length > 0) {
    const first = rejected[0]!;
    const message =
      rejected.length === 1
        ? `record ${first.index} rejected: ${first.reason}`
        : `all ${rejected.length} records rejected; record ${first.index}: ${first.reason}`;
    return {
      status: 422,
      payload: { ...errorBody("invalid_records", message, { stream: name }), ...result },
    };
  }
  return { status: 200, payload: result };
}

function streamParam(request: FastifyRequest): string {
  return (request.params as { stream?: string }).stream ?? "";
}
