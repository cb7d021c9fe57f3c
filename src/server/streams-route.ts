/**
 * `GET /v1/streams` and `GET /v1/streams/:stream`: the declared streams with their schema, key and event-time
 * fields, their log's offsets, record count and size, their append rate and dead-letter count. A key sees the streams its `read:` scopes name.
 */
import type { FastifyInstance } from "fastify";
import type { StreamRetention } from "../store/retention.js";
import { ApiError } from "./api-error.js";
import type { ServerContext } from "./server-context.js";
import type { StreamDefinition } from "./stream-definition.js";

export interface StreamSummary {
  readonly name: string;
  readonly schema: unknown;
  readonly key: string | null;
  readonly eventTime: string | null;
  readonly partitions: number;
  /** As declared (`maxAge` as given, e.g. "7d"), or null: the stream keeps everything. */
  readonly retention: StreamRetention | null;
  readonly startOffset: number;
  readonly endOffset: number;
  readonly records: number;
  readonly bytes: number;
  /** Records appended per second over the last ~5 s (by this process). */
  readonly ratePerSecond: number;
  /** Dead-letter ledger entries whose origin is this stream. */
  readonly dlq: number;
}

export function registerStreamsRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // Any valid key may list; it sees the streams it may read.
  app.get("/v1/streams", { config: { permission: () => null } }, async (request) => {
    const infos = new Map(ctx.store.log.streams().map((info) => [info.name, info]));
    const streams = [...ctx.streams.values()]
      .filter((s) => request.principal?.allows({ kind: "read", resource: s.name }) ?? false)
      .map((s) => summary(ctx, s, infos.get(s.name)));
    return { streams };
  });

  app.get<{ Params: { stream: string } }>(
    "/v1/streams/:stream",
    {
      config: {
        permission: (request) => ({ kind: "read", resource: (request.params as { stream: string }).stream }),
      },
    },
    async (request) => {
      const stream = ctx.streams.get(request.params.stream);
      if (stream === undefined) {
        throw new ApiError(404, "unknown_stream", `no stream ${JSON.stringify(request.params.stream)}`);
      }
      const info = ctx.store.log.streams().find((i) => i.name === stream.name);
      return summary(ctx, stream, info);
    },
  );
}

function summary(
  ctx: ServerContext,
  stream: StreamDefinition,
  info: { startOffset: number; endOffset: number; records: number; bytes: number } | undefined,
): StreamSummary {
  return {
    name: stream.name,
    schema: stream.schema,
    key: stream.key ?? null,
    eventTime: stream.eventTime ?? null,
    partitions: stream.partitions,
    retention: stream.retention ?? null,
    startOffset: info?.startOffset ?? 0,
    endOffset: info?.endOffset ?? 0,
    records: info?.records ?? 0,
    bytes: info?.bytes ?? 0,
    ratePerSecond: ctx.metrics.appendRate(stream.name),
    dlq: ctx.store.stateDb.open ? ctx.store.deadLetters().count({ stream: stream.name }) : 0,
  };
}
