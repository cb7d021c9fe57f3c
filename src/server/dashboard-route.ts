/**
 * `GET /`: the dashboard, a single-page app built by Vite into `dist/web` (by `npm install`/`npm run build`).
 * Its hashed assets are served from `/assets/` with long caching; the page routes (`/pipelines/:name`,
 * `/views/:view`, `/dlq`, `/query`) answer the same `index.html`, which routes in the browser. The bundle is
 * found relative to this compiled module, not the working directory. `GET /dashboard/capabilities` tells the
 * page which optional API routes this server has, so it can leave out what is missing instead of calling it.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";

/** Where `vite build` writes the bundle: `dist/web`, beside this module's `dist/src/server`. */
export const DASHBOARD_BUNDLE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web");

/** The browser-routed paths that answer the page itself. */
const PAGE_ROUTES = ["/", "/pipelines/:name", "/views/:view", "/dlq", "/query"];

export interface DashboardCapabilities {
  /** `GET /v1/pipelines` (per-pipeline steps, checkpoints, backpressure) is served. */
  readonly pipelines: boolean;
  /** `POST /v1/dlq/replay` is served. */
  readonly dlqReplay: boolean;
}

/** Serves the dashboard from `bundleDir` (default: the built bundle), e.g. `registerDashboardRoute(app)`. */
export function registerDashboardRoute(app: FastifyInstance, bundleDir = DASHBOARD_BUNDLE_DIR): void {
  app.get(
    "/dashboard/capabilities",
    async (): Promise<DashboardCapabilities> => ({
      pipelines: app.hasRoute({ method: "GET", url: "/v1/pipelines" }),
      dlqReplay: app.hasRoute({ method: "POST", url: "/v1/dlq/replay" }),
    }),
  );

  if (!existsSync(join(bundleDir, "index.html"))) {
    // A checkout built with `tsc` alone: say how to get the page instead of a bare 404.
    for (const url of PAGE_ROUTES) {
      app.get(url, async (_request, reply) =>
        reply
          .code(503)
          .type("text/plain; charset=utf-8")
          .send(`The dashboard is not built (no ${bundleDir}/index.html): run \`npm run build\`.\n`),
      );
    }
    return;
  }

  app.register(fastifyStatic, {
    root: join(bundleDir, "assets"),
    prefix: "/assets/",
    // Asset names carry a content hash, so a browser may keep them.
    immutable: true,
    maxAge: "365d",
  });
  // The page names the current asset hashes, so it is revalidated every time.
  const sendPage = (reply: FastifyReply) =>
    reply.header("cache-control", "no-cache").sendFile("index.html", bundleDir, { cacheControl: false });
  for (const url of PAGE_ROUTES) app.get(url, async (_request, reply) => sendPage(reply));
}
