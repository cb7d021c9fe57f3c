/**
 * `GET /healthz` (liveness: the process answers) and `GET /readyz` (readiness: the store is open; every
 * pipeline the server was given is running or completed, not failed, and each of its stored-stream sources
 * is caught up, fewer than `READY_MAX_LAG` records behind its stream's end; and the optional `ready()` check
 * says yes). Both are open to anyone, so load balancers need no key.
 */
import type { FastifyInstance } from "fastify";
import { errorBody } from "./api-error.js";
import { sourceInfo } from "./pipeline-info.js";
import type { RunningPipeline } from "./running-pipeline.js";
import type { ServerContext } from "./server-context.js";

/** A readiness check: true, or false / a reason when not ready. */
export type ReadyCheck = () => boolean | string;

/** Records a stored-stream source may be behind its stream's end and still count as caught up. */
export const READY_MAX_LAG = 10_000;

export function registerHealthRoutes(app: FastifyInstance, ctx: ServerContext, ready?: ReadyCheck): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    let reason: string | undefined;
    if (!ctx.store.logDb.open || !ctx.store.stateDb.open) reason = "the store is closed";
    else reason = pipelinesNotReady(ctx);
    if (reason === undefined && ready !== undefined) {
      try {
        const answer = ready();
        if (answer !== true) reason = typeof answer === "string" ? answer : "not ready";
      } catch (error) {
        reason = `readiness check failed: ${(error as Error).message}`;
      }
    }
    if (reason === undefined) return { status: "ready" };
    return reply.code(503).send(errorBody("not_ready", reason));
  });
}

/** Why the pipelines are not ready (the first one found), or undefined when they all are. */
function pipelinesNotReady(ctx: ServerContext): string | undefined {
  for (const running of ctx.pipelines.values()) {
    const reason = pipelineNotReady(running, ctx);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

function pipelineNotReady({ pipeline, job }: RunningPipeline, ctx: ServerContext): string | undefined {
  const stats = job.stats();
  // The failure's message stays behind GET /v1/pipelines: /readyz is open, and an error may quote data.
  if (stats.state === "failed")
    return `pipeline ${pipeline.name} failed (see GET /v1/pipelines/${pipeline.name})`;
  if (stats.state === "stopped") return `pipeline ${pipeline.name} was stopped`;
  for (const source of stats.sources) {
    const { lag } = sourceInfo(source, ctx.store.log);
    if (lag !== null && lag >= READY_MAX_LAG) {
      return `pipeline ${pipeline.name}: source ${source.step} is ${lag} records behind stream ${source.stream} (ready below ${READY_MAX_LAG})`;
    }
  }
  return undefined;
}
