/**
 * Auditing admin actions over HTTP: routes name their action in their config (`audit: "dlq.replay"`) and may
 * add a target and counts to the request (`request.audit = { target, counts }`); once the reply is sent, an
 * `onResponse` hook appends the entry to the audit log and writes it to the structured log. Refused requests
 * (401, 403) and failures are recorded too. `GET /v1/audit?limit=&afterId=` (admin) reads the log.
 */
import type { FastifyInstance } from "fastify";
import type { AuditNote } from "./audit-log.js";
import { intParam, type Query } from "./query-params.js";
import type { ServerContext } from "./server-context.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The action a request to this route is audited as, e.g. `"dlq.read"`; absent: not audited. */
    audit?: string;
  }
  interface FastifyRequest {
    /** What the route adds to its audit entry. */
    audit?: AuditNote;
  }
}

export const MAX_AUDIT_PAGE = 1000;

/** Appends an audit entry for every request to a route with an `audit` action, e.g. `registerAuditHook(app, ctx)`. */
export function registerAuditHook(app: FastifyInstance, ctx: ServerContext): void {
  app.addHook("onResponse", async (request, reply) => {
    const action = request.routeOptions.config.audit;
    if (action === undefined) return;
    const note = request.audit;
    const event = {
      at: ctx.clock.now(),
      keyId: request.principal?.keyId ?? null,
      action,
      method: request.method,
      route: request.url.split("?")[0] ?? "",
      target: note?.target ?? null,
      status: reply.statusCode,
      counts: note?.counts ?? {},
    };
    try {
      const entry = ctx.audit.append(event);
      request.log.info({ audit: entry }, `audit: ${action} ${entry.status}`);
    } catch (error) {
      // The reply is sent; what is left is to say loudly that its audit entry is missing.
      request.log.error({ err: error, audit: event }, `audit: ${action} could not be recorded`);
    }
  });
}

/** `GET /v1/audit?limit=&afterId=`: the audit log, oldest first; page on with the reply's `nextAfterId`. */
export function registerAuditRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: Query }>(
    "/v1/audit",
    { config: { permission: () => ({ kind: "admin" }), audit: "audit.read" } },
    async (request) => {
      const limit = intParam(request.query, "limit", 100, 1, MAX_AUDIT_PAGE);
      const afterId = intParam(request.query, "afterId", 0, 0, Number.MAX_SAFE_INTEGER);
      const entries = ctx.audit.list({ afterId, limit });
      request.audit = { counts: { entries: entries.length } };
      const last = entries[entries.length - 1];
      return { entries, nextAfterId: entries.length === limit && last !== undefined ? last.id : null };
    },
  );
}
