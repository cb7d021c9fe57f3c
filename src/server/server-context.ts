/**
 * What every route of the server shares: the store, the declared streams, the clock, metrics and limits; and
 * the per-route `permission` that the auth hook in server.ts checks before a body is read, and `keyInQuery`
 * for the routes browsers reach without headers (WebSocket upgrades, EventSource).
 */
import type { FastifyRequest } from "fastify";
import type { Clock } from "../core/clock.js";
import type { EmbeddedStore } from "../store/index.js";
import type { Permission } from "./api-keys.js";
import type { AuditLog } from "./audit-log.js";
import type { IdempotencyStore } from "./idempotency-store.js";
import type { LineCheck } from "./line-check.js";
import type { ServerMetrics } from "./metrics.js";
import type { RecordProtector } from "./pii-policy.js";
import type { RecordLimits } from "./record-limits.js";
import type { RunningPipeline } from "./running-pipeline.js";
import type { StreamDefinition } from "./stream-definition.js";

/** What a route needs from a request's key; null: the route is open to anyone (health checks). */
export type PermissionOf = (request: FastifyRequest) => Permission | null;

declare module "fastify" {
  interface FastifyContextConfig {
    /** The permission a request needs; routes without one are open. */
    permission?: PermissionOf;
    /**
     * The route also takes its API key from the `key` query parameter: browsers cannot set headers on a
     * WebSocket upgrade or an EventSource. Request logs redact it (server-log.ts).
     */
    keyInQuery?: boolean;
  }
  interface FastifyRequest {
    /** The scopes of the key the request presented (everything when the server runs open). */
    principal?: import("./api-keys.js").Principal;
  }
}

/** The key in `?key=` when the route allows it, e.g. `presentedKey(request.headers) ?? queryKey(request)`. */
export function queryKey(request: FastifyRequest): string | undefined {
  if (request.routeOptions.config.keyInQuery !== true) return undefined;
  const key = (request.query as { key?: unknown } | undefined)?.key;
  return typeof key === "string" && key.length > 0 ? key : undefined;
}

export interface ServerContext {
  readonly store: EmbeddedStore;
  readonly streams: ReadonlyMap<string, StreamDefinition>;
  readonly clock: Clock;
  readonly metrics: ServerMetrics;
  readonly idempotency: IdempotencyStore;
  readonly recordLimits: RecordLimits;
  /** The PII policies of the streams that declare any, by stream name, with the key they need. */
  readonly protectors: ReadonlyMap<string, RecordProtector>;
  /** The line checks of NDJSON ingest (line-check.ts), by stream name: streams without PII policies. */
  readonly lineChecks: ReadonlyMap<string, LineCheck>;
  /** The audit log of admin actions (table `audit_log` in state.db). */
  readonly audit: AuditLog;
  /** The pipelines this process runs, by name. */
  readonly pipelines: ReadonlyMap<string, RunningPipeline>;
}
