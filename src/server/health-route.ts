/**
 * `GET /healthz` (liveness: the process answers) and `GET /readyz` (readiness: the store is open and the
 * optional `ready()` check, e.g. "pipelines running and caught up", says yes). Both are open to anyone, so load
 * balancers need no key.
 */
import type { FastifyInstance } from "fastify";
import { errorBody } from "./api-error.js";
import type { ServerContext } from "./server-context.js";

/** A readiness check: true, or false / a reason when not ready. */
export type ReadyCheck = () => boolean | string;

export function registerHealthRoutes(app: FastifyInstance, ctx: ServerContext, ready?: ReadyCheck): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    let reason: string | undefined;
    if (!ctx.store.logDb.open || !ctx.store.stateDb.open) reason = "the store is closed";
    else if (ready !== undefined) {
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
