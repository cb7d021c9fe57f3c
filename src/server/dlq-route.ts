/**
 * `GET /v1/dlq?stream=&reason=&replayed=&limit=&afterId=&order=`: the dead-letter ledger (records rejected at ingestion,
 * late and failed ones), a page at a time: pass the reply's `nextAfterId` as `afterId` for the next page.
 * Each entry shows `replayedAt` (null until `POST /v1/dlq/replay` sent it back). The ledger holds records of
 * every stream, so it needs the `admin` scope (and each read is audited).
 */
import type { FastifyInstance } from "fastify";
import type { DeadLetterReason } from "../runtime/dead-letter.js";
import { enumParam, intParam, type Query, stringParam } from "./query-params.js";
import type { ServerContext } from "./server-context.js";

export const MAX_DLQ_PAGE = 1000;

export function registerDlqRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: Query }>(
    "/v1/dlq",
    { config: { permission: () => ({ kind: "admin" }), audit: "dlq.read" } },
    async (request) => {
      const query = request.query;
      const stream = stringParam(query, "stream");
      const reasonParam = enumParam(query, "reason", ["late", "failed", "invalid", ""] as const, "");
      const reason: DeadLetterReason | undefined = reasonParam === "" ? undefined : reasonParam;
      const limit = intParam(query, "limit", 100, 1, MAX_DLQ_PAGE);
      const afterId = intParam(query, "afterId", -1, 0, Number.MAX_SAFE_INTEGER);
      const order = enumParam(query, "order", ["asc", "desc"] as const, "asc");
      const replayed = enumParam(query, "replayed", ["true", "false", ""] as const, "");
      const entries = ctx.store.deadLetters().list({
        ...(stream === undefined || stream === "" ? {} : { stream }),
        ...(reason === undefined ? {} : { reason }),
        ...(afterId < 0 ? {} : { afterId }),
        ...(replayed === "" ? {} : { replayed: replayed === "true" }),
        limit,
        order,
      });
      const last = entries[entries.length - 1];
      request.audit = { target: stream ?? null, counts: { entries: entries.length } };
      return {
        entries: entries.map((entry) => ({ ...entry, replayedAt: entry.replayedAt ?? null })),
        nextAfterId: entries.length === limit && last !== undefined ? last.id : null,
      };
    },
  );
}
