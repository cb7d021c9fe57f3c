/**
 * `GET /v1/views` (every view with its row count) and `GET /v1/views/:view?key=&limit=&offset=&order=` (a
 * point lookup by key, or a page of rows by key or most recently updated first). Reads see only rows covered
 * by a committed checkpoint. A key sees the views its `read:` scopes name.
 */
import type { FastifyInstance } from "fastify";
import { ApiError } from "./api-error.js";
import { enumParam, intParam, type Query, stringParam } from "./query-params.js";
import type { ServerContext } from "./server-context.js";

export const MAX_VIEW_PAGE = 10_000;

export function registerViewsRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // Any valid key may list; it sees the views it may read.
  app.get("/v1/views", { config: { permission: () => null } }, async (request) => {
    const views = ctx.store.views
      .views()
      .filter((v) => request.principal?.allows({ kind: "read", resource: v.name }) ?? false);
    return { views };
  });

  app.get<{ Params: { view: string }; Querystring: Query }>(
    "/v1/views/:view",
    {
      config: {
        permission: (request) => ({ kind: "read", resource: (request.params as { view: string }).view }),
      },
    },
    async (request) => {
      const view = request.params.view;
      const query = request.query;
      if (!ctx.store.views.views().some((v) => v.name === view)) {
        throw new ApiError(404, "unknown_view", `no view ${JSON.stringify(view)}`);
      }
      const key = stringParam(query, "key");
      if (key !== undefined) {
        // View keys are stored as canonical JSON ("\"dev-1\""); a bare string is looked up both ways.
        const row = ctx.store.views.get(view, key) ?? ctx.store.views.get(view, JSON.stringify(key));
        return { view, rows: row === undefined ? [] : [row] };
      }
      const limit = intParam(query, "limit", 100, 0, MAX_VIEW_PAGE);
      const offset = intParam(query, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
      const order = enumParam(query, "order", ["key", "updated"] as const, "key");
      return { view, rows: ctx.store.views.list(view, { limit, offset, order }), limit, offset, order };
    },
  );
}
