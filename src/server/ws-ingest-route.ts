/**
 * `GET /v1/streams/:stream/ws` (WebSocket upgrade): each message is a JSON object, a JSON array or an NDJSON
 * batch for that stream, validated, appended and dead-lettered exactly as `POST /v1/streams/:stream/events`
 * (the same `ingest` function), and answered by one ack, in order: `{ seq, accepted, rejected, offsets, errors }`
 * once the records are durable. `seq` counts the connection's messages from 1, or echoes `id` when the message
 * is the envelope `{ "id": ..., "records": [...] }`. A bad message gets `{ seq, error: { code, message } }`
 * and the socket stays open. The key goes in a header or `?key=` (browsers cannot set WebSocket headers);
 * a missing or under-scoped key refuses the upgrade with 401/403, an unknown stream with 404.
 */
import websocket from "@fastify/websocket";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { RawData, WebSocket } from "ws";
import { ApiError, errorBody } from "./api-error.js";
import { presentedKey } from "./api-keys.js";
import { clientOf, type IngestAdmission } from "./ingest-admission.js";
import { type IngestBody, type IngestBodyLimits, parseJsonBody } from "./ingest-body.js";
import { ingest } from "./ingest-route.js";
import type { LineCheck } from "./line-check.js";
import { NdjsonLines, tooManyRecords } from "./ndjson-lines.js";
import { queryKey, type ServerContext } from "./server-context.js";
import { withoutEchoedInput } from "./server-log.js";

/**
 * Registers @fastify/websocket (messages up to `limits.bodyLimit` bytes; a larger one closes the socket with
 * 1009) and the route, e.g. `registerWsIngestRoute(app, ctx, limits, admission)`.
 */
export function registerWsIngestRoute(
  app: FastifyInstance,
  ctx: ServerContext,
  limits: IngestBodyLimits,
  admission?: IngestAdmission,
): void {
  app.register(websocket, { options: { maxPayload: limits.bodyLimit } });
  // Routes with `websocket: true` must be declared once the plugin has loaded, hence a plugin of their own.
  app.register(async (scoped) => {
    scoped.get<{ Params: { stream: string } }>(
      "/v1/streams/:stream/ws",
      {
        websocket: true,
        config: {
          permission: (request) => ({
            kind: "ingest",
            stream: (request.params as { stream?: string }).stream ?? "",
          }),
          keyInQuery: true,
        },
        onRequest: async (request) => {
          const name = request.params.stream;
          if (!ctx.streams.has(name)) {
            throw new ApiError(404, "unknown_stream", `no stream ${JSON.stringify(name)}`, {
              streams: [...ctx.streams.keys()],
            });
          }
        },
        // A refused upgrade (401/403 from the auth hook, which runs before the plugin marks the request as a
        // WebSocket one) must still free its socket, or the server could not close while the client holds it.
        onResponse: async (request) => {
          if (request.ws !== true && request.headers.upgrade !== undefined) request.raw.socket.destroy();
        },
      },
      (socket: WebSocket, request) => {
        const name = request.params.stream;
        const client = clientOf(request, presentedKey(request.headers) ?? queryKey(request));
        let messages = 0;
        socket.on("message", (data: RawData) => {
          messages++;
          const ack = answer(ctx, name, toBuffer(data), messages, limits, admission, client, request);
          socket.send(JSON.stringify(ack));
        });
      },
    );
  });
}

/** The ack for one message; synchronous, so a connection's messages are appended and acked in order. */
function answer(
  ctx: ServerContext,
  name: string,
  data: Buffer,
  messageNumber: number,
  limits: IngestBodyLimits,
  admission: IngestAdmission | undefined,
  client: string,
  request: FastifyRequest,
): unknown {
  let seq: unknown = messageNumber;
  try {
    const refusal = admission?.admit(client);
    if (refusal !== undefined) return { seq, retryAfter: refusal.retryAfter, ...refusal.body };
    const message = parseMessage(data, limits, ctx.lineChecks.get(name));
    if (message.id !== undefined) seq = message.id;
    const { payload } = ingest(ctx, name, message.body);
    return { seq, ...(payload as object) };
  } catch (error) {
    // Without the body quoted in a JSON parser's message: it may hold values a PII policy protects.
    if (error instanceof ApiError) {
      return { seq, ...errorBody(error.code, withoutEchoedInput(error.message), error.details) };
    }
    request.log.error({ err: error }, "websocket ingest failed");
    return { seq, ...errorBody("internal", "internal server error: nothing of this message was appended") };
  }
}

/**
 * A message's records: JSON (an object, an array, or the envelope `{ id, records }`), else NDJSON lines, read
 * as an HTTP NDJSON body is (the stream's line check included).
 */
function parseMessage(
  data: Buffer,
  limits: IngestBodyLimits,
  check: LineCheck | undefined,
): { id?: unknown; body: IngestBody } {
  let body: IngestBody;
  try {
    body = parseJsonBody(data, limits);
  } catch (error) {
    // Several lines that are not one JSON value: NDJSON (the UTF-8 check has passed).
    if (!(error instanceof ApiError) || error.code !== "malformed_json" || !hasInnerNewline(data))
      throw error;
    const lines = new NdjsonLines(limits, "message", check);
    const failed = lines.push(data) ?? lines.end();
    if (failed !== undefined) throw failed;
    return { body: lines.body() };
  }
  const only = body.records.length === 1 ? body.records[0] : undefined;
  if (isEnvelope(only)) {
    if (only.records.length > limits.maxRecordsPerRequest) {
      throw tooManyRecords(limits.maxRecordsPerRequest, "message");
    }
    return { id: only.id, body: { records: only.records } };
  }
  return { body };
}

function isEnvelope(value: unknown): value is { id: unknown; records: unknown[] } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return (
    keys.length === 2 &&
    "id" in value &&
    "records" in value &&
    Array.isArray((value as { records: unknown }).records) &&
    (typeof value.id === "string" || typeof value.id === "number")
  );
}

/** Whether a newline stands between two non-blank parts of the message (so it may be several lines). */
function hasInnerNewline(data: Buffer): boolean {
  const text = data.toString("utf8").trim();
  return text.includes("\n");
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
