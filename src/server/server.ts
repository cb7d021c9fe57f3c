/**
 * The HTTP server (Fastify 5): ingest, streams, views, the dead-letter ledger, metrics and health, over one
 * embedded store. Auth runs before any body is read; every error is `{"error": {"code", "message",
 * "details"?}}`. Bound to loopback with no API keys it runs open; bound elsewhere it refuses to start without.
 * Optionally HTTPS (`tls`), PII policies of the streams (a key for `hash`/`encrypt`), an audit log of admin
 * actions and structured logs.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from "fastify";
import { type Clock, SystemClock } from "../core/clock.js";
import { type Duration, toMillis } from "../core/duration.js";
import type { EmbeddedStore } from "../store/index.js";
import { RetentionEnforcer } from "../store/retention.js";
import { ApiError, errorBody, toErrorReply } from "./api-error.js";
import { ApiKeyRing, type ApiKeySpec, isLoopback, OPEN_PRINCIPAL, presentedKey } from "./api-keys.js";
import { AuditLog } from "./audit-log.js";
import { registerAuditHook, registerAuditRoute } from "./audit-route.js";
import { registerDashboardRoute } from "./dashboard-route.js";
import { registerDlqReplayRoute } from "./dlq-replay-route.js";
import { registerDlqRoute } from "./dlq-route.js";
import { type ReadyCheck, registerHealthRoutes } from "./health-route.js";
import { IdempotencyStore, type IdempotencyStoreOptions } from "./idempotency-store.js";
import { IngestAdmission, type IngestAdmissionOptions } from "./ingest-admission.js";
import { registerIngestParsers } from "./ingest-body.js";
import { registerIngestRoute } from "./ingest-route.js";
import { compileLineCheck, type LineCheck } from "./line-check.js";
import { registerMetricsRoute, ServerMetrics } from "./metrics.js";
import { nativeLineScannerError } from "./native-line-scanner.js";
import { NdjsonCheckPool } from "./ndjson-check-pool.js";
import { loadPiiKey } from "./pii-key.js";
import { RecordProtector } from "./pii-policy.js";
import { registerPipelinesRoutes } from "./pipelines-route.js";
import { registerQueryRoute } from "./query-route.js";
import { DEFAULT_RECORD_LIMITS, type RecordLimits } from "./record-limits.js";
import type { RunningPipeline } from "./running-pipeline.js";
import { queryKey, type ServerContext } from "./server-context.js";
import { type ServerLogOptions, serverLogger, withoutEchoedInput } from "./server-log.js";
import type { StreamDefinition } from "./stream-definition.js";
import { registerStreamsRoutes } from "./streams-route.js";
import { registerViewChangesRoute } from "./view-changes-route.js";
import { registerViewsRoutes } from "./views-route.js";
import { registerWsIngestRoute } from "./ws-ingest-route.js";

/** Also `lag`/`maxLag` (429 `backpressure`) and `requestsPerSecond` (429 `rate_limited`): see ingest-admission.ts. */
export interface ServerOptions extends IngestAdmissionOptions {
  readonly store: EmbeddedStore;
  /** The streams clients may ingest into, from `defineStream`. */
  readonly streams: readonly StreamDefinition[];
  /** Default "127.0.0.1". Any non-loopback host needs `apiKeys`. */
  readonly host?: string;
  /** Default 0: any free port (see the url `listen` returns). */
  readonly port?: number;
  /** Largest request body in bytes (default 10 MiB): 413 above it. */
  readonly bodyLimit?: number;
  /** Most records in one ingest request (default 100,000): 413 above it. */
  readonly maxRecordsPerRequest?: number;
  /** Per-record limits: nesting depth (default 32) and size (default 1 MiB); a record over one is rejected. */
  readonly recordLimits?: Partial<RecordLimits>;
  /**
   * Read NDJSON bodies of streams with a line check in a worker thread (default false: read on the event loop
   * as they arrive, never gathered first). True gathers each body (up to `bodyLimit`) and hands it to
   * one worker: faster when a core is idle (see docs/decisions.md), slower on a saturated machine.
   */
  readonly ndjsonWorker?: boolean;
  /** API keys with scopes; none (default) runs the server open, which only loopback allows. */
  readonly apiKeys?: readonly ApiKeySpec[];
  /** Readiness beyond "the store is open", e.g. pipelines running and caught up. */
  readonly ready?: ReadyCheck;
  /** Processing time for ingest and dead-letter times (default: the system clock). */
  readonly clock?: Clock;
  /** Fastify's logger option (default false), e.g. `true` for JSON logs on stdout; `log` is preferred. */
  readonly logger?: FastifyServerOptions["logger"];
  /** Structured logs with API keys redacted, e.g. `{ level: "info", format: "json" }` (wins over `logger`). */
  readonly log?: ServerLogOptions;
  /** Serve HTTPS with this certificate and private key (PEM text or buffers); `listen` then gives an https url. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /**
   * The key of the streams' `hash` and `encrypt` PII policies: 32 bytes, or text of 64 hex digits or base64.
   * Default: `piiKeyFile`, else the environment variable `SLUICE_PII_KEY`. Without any, a stream declaring
   * `hash` or `encrypt` makes `createServer` throw.
   */
  readonly piiKey?: string | Uint8Array;
  /** A file holding the PII key as 64 hex digits or base64 text. */
  readonly piiKeyFile?: string;
  readonly idempotency?: IdempotencyStoreOptions;
  /** The pipelines this process runs, reported by `GET /v1/pipelines`, the metrics and readiness. */
  readonly pipelines?: readonly RunningPipeline[];
  /**
   * How often the streams' `retention` is applied while the server listens (default "1m", on `clock`); the
   * first pass runs when `listen` is called.
   */
  readonly retentionInterval?: Duration;
}

export interface SluiceServer {
  readonly app: FastifyInstance;
  /** Starts listening; resolves with the base url, e.g. `http://127.0.0.1:43121`. */
  listen(): Promise<{ url: string }>;
  /** Stops listening and closes open connections (the store stays open: its owner closes it). */
  close(): Promise<void>;
}

/**
 * A server over a store, e.g.
 * `const server = createServer({ store, streams: [readings] }); const { url } = await server.listen();`.
 * Throws when bound to a non-loopback host without API keys, or when two streams share a name.
 */
export function createServer(options: ServerOptions): SluiceServer {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  const bodyLimit = options.bodyLimit ?? 10 * 1024 * 1024;
  const keys = new ApiKeyRing(options.apiKeys ?? []);
  if (keys.empty && !isLoopback(host)) {
    throw new Error(
      `refusing to serve on ${host} without API keys: pass apiKeys (e.g. [{ key, scopes: ["admin"] }]) or bind to 127.0.0.1`,
    );
  }
  const streams = new Map<string, StreamDefinition>();
  for (const stream of options.streams) {
    if (streams.has(stream.name))
      throw new RangeError(`stream ${JSON.stringify(stream.name)} is declared twice`);
    streams.set(stream.name, stream);
  }
  const protectors = new Map<string, RecordProtector>();
  const withPii = options.streams.filter((stream) => stream.pii !== undefined);
  if (withPii.length > 0) {
    const key = loadPiiKey({
      ...(options.piiKey === undefined ? {} : { piiKey: options.piiKey }),
      ...(options.piiKeyFile === undefined ? {} : { piiKeyFile: options.piiKeyFile }),
    });
    for (const stream of withPii)
      protectors.set(stream.name, new RecordProtector(stream.pii!, key, stream.name));
  }
  const recordLimits = { ...DEFAULT_RECORD_LIMITS, ...options.recordLimits };
  const lineChecks = new Map<string, LineCheck>();
  for (const stream of options.streams) {
    const check = compileLineCheck(stream, recordLimits);
    if (check !== undefined) lineChecks.set(stream.name, check);
  }
  const ctx: ServerContext = {
    store: options.store,
    streams,
    clock: options.clock ?? new SystemClock(),
    metrics: new ServerMetrics(options.store, options.pipelines),
    idempotency: new IdempotencyStore(options.store.logDb, options.idempotency, options.store.stateDb),
    recordLimits,
    protectors,
    lineChecks,
    audit: new AuditLog(options.store.stateDb),
    pipelines: new Map((options.pipelines ?? []).map((running) => [running.pipeline.name, running])),
  };

  // With `https` Fastify's types change to an https server; the routes do not care which.
  const app = Fastify({
    ...(options.tls === undefined ? {} : { https: { cert: options.tls.cert, key: options.tls.key } }),
    logger: serverLoggerOption(options),
    bodyLimit,
    forceCloseConnections: true,
    return503OnClosing: true,
    // Names are at most 128 characters; a longer path segment is answered 414 before routing.
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: (error, _request, reply) => {
      const { status, body } = toErrorReply(error);
      return (reply as FastifyReply).code(status).send(body);
    },
  }) as unknown as FastifyInstance;
  const bodyLimits = {
    bodyLimit,
    maxRecordBytes: ctx.recordLimits.maxRecordBytes,
    maxRecordsPerRequest: options.maxRecordsPerRequest ?? 100_000,
  };
  // NDJSON bodies of streams with a line check are read in a worker thread (the machine's other core).
  const checkedStreams = options.streams
    .filter((stream) => lineChecks.has(stream.name))
    .map(({ name, schema, eventTime, cleanse }) => ({
      name,
      schema,
      ...(eventTime === undefined ? {} : { eventTime }),
      ...(cleanse === undefined ? {} : { cleanse }),
    }));
  const ndjsonPool =
    checkedStreams.length > 0 && options.ndjsonWorker === true
      ? new NdjsonCheckPool(checkedStreams, bodyLimits, recordLimits)
      : undefined;
  registerIngestParsers(app, bodyLimits, lineChecks, ndjsonPool);
  const admission = new IngestAdmission(options, ctx.clock, ctx.metrics.registry);

  app.addHook("onRequest", async (request) => {
    const permissionOf = request.routeOptions.config.permission;
    if (permissionOf === undefined) return;
    if (keys.empty) {
      request.principal = OPEN_PRINCIPAL;
      return;
    }
    const presented = presentedKey(request.headers) ?? queryKey(request);
    const principal = presented === undefined ? undefined : keys.authenticate(presented);
    if (principal === undefined) {
      throw new ApiError(
        401,
        "unauthorized",
        presented === undefined ? "an API key is required" : "unknown API key",
      );
    }
    // Known before the scope check, so the audit log names the key of a refused request too.
    request.principal = principal;
    const permission = permissionOf(request);
    if (permission !== null && !principal.allows(permission)) {
      const scope = permission.kind === "admin" ? "admin" : `${permission.kind}:${scopeTarget(permission)}`;
      throw new ApiError(403, "forbidden", `this API key lacks the scope ${scope}`, { scope });
    }
  });
  if (lineChecks.size > 0) {
    // Which scanner checks NDJSON lines: said once, since the JavaScript one is slower (docs/server.md).
    const missing = nativeLineScannerError();
    if (missing === undefined) app.log.info("NDJSON line checks run in native code");
    else
      app.log.warn(
        { reason: missing },
        "NDJSON line checks run in JavaScript: the native line scanner is not built",
      );
  }

  registerAuditHook(app, ctx);

  app.setErrorHandler((error: unknown, request, reply) => {
    const { status, body: raw } = toErrorReply(error);
    // A JSON parser's message may quote the body, which may hold values a PII policy protects.
    const body = errorBody(raw.error.code, withoutEchoedInput(raw.error.message), raw.error.details);
    if (status === 401) reply.header("www-authenticate", 'Bearer realm="sluice"');
    if (status >= 500) request.log.error({ err: error }, "request failed");
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody("not_found", `no route ${request.method} ${request.url.split("?")[0]}`)),
  );

  registerHealthRoutes(app, ctx, options.ready);
  registerIngestRoute(app, ctx, admission);
  registerWsIngestRoute(app, ctx, bodyLimits, admission);
  registerStreamsRoutes(app, ctx);
  registerViewsRoutes(app, ctx);
  registerViewChangesRoute(app, ctx);
  registerQueryRoute(app, ctx);
  registerDlqRoute(app, ctx);
  registerPipelinesRoutes(app, ctx);
  registerDlqReplayRoute(app, ctx);
  registerAuditRoute(app, ctx);
  registerMetricsRoute(app, ctx.metrics);
  registerDashboardRoute(app);

  const retained = [...streams.values()].filter((stream) => stream.retention !== undefined);
  const retention =
    retained.length === 0
      ? undefined
      : new RetentionEnforcer(
          options.store.log,
          new Map(retained.map((stream) => [stream.name, stream.retention!])),
          ctx.clock,
          { onError: (error) => app.log.error({ err: error }, "stream retention failed") },
        );
  const retentionInterval = options.retentionInterval ?? "1m";
  toMillis(retentionInterval, "retentionInterval");

  return {
    app,
    async listen() {
      const address = await app.listen({ host, port });
      if (retention !== undefined) {
        retention.start(retentionInterval);
        try {
          retention.applyNow();
        } catch (error) {
          app.log.error({ err: error }, "stream retention failed");
        }
      }
      return { url: address };
    },
    async close() {
      retention?.stop();
      await app.close();
      ndjsonPool?.close();
    },
  };
}

/** `log` as Fastify's logger option; `logger: true` gets the same redacting serializers (JSON, info). */
function serverLoggerOption(options: ServerOptions): FastifyServerOptions["logger"] {
  if (options.log !== undefined) return serverLogger(options.log);
  if (options.logger === true) return serverLogger({});
  return options.logger ?? false;
}

function scopeTarget(
  permission: { kind: "ingest"; stream: string } | { kind: "read"; resource: string },
): string {
  return permission.kind === "ingest" ? permission.stream : permission.resource;
}
