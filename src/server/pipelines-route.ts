/**
 * `GET /v1/pipelines` and `GET /v1/pipelines/:name`: the pipelines this process runs, each a `PipelineInfo`
 * (step graph, counts, rates, watermarks, checkpoints, backpressure, source lag; see pipeline-info.ts). They
 * need `read:pipelines`, `read:*` or `admin`.
 */
import type { FastifyInstance } from "fastify";
import { ApiError } from "./api-error.js";
import { pipelineInfo } from "./pipeline-info.js";
import type { ServerContext } from "./server-context.js";

export function registerPipelinesRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const config = { permission: () => ({ kind: "read", resource: "pipelines" }) as const };
  app.get("/v1/pipelines", { config }, async () => {
    const at = performance.now();
    return {
      pipelines: [...ctx.pipelines.values()].map((running) =>
        pipelineInfo(running, ctx.metrics.rates, ctx.store.log, at),
      ),
    };
  });
  app.get<{ Params: { name: string } }>("/v1/pipelines/:name", { config }, async (request) => {
    const running = ctx.pipelines.get(request.params.name);
    if (running === undefined) {
      throw new ApiError(404, "unknown_pipeline", `no pipeline ${JSON.stringify(request.params.name)}`, {
        pipelines: [...ctx.pipelines.keys()],
      });
    }
    return pipelineInfo(running, ctx.metrics.rates, ctx.store.log, performance.now());
  });
}
