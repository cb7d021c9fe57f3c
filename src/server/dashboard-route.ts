/**
 * `GET /`: the dashboard, a single-page app built by Vite into `dist/web` (by `npm install`/`npm run build`).
 * Its hashed assets are served from `/assets/` with long caching; the page routes (`/pipelines/:name`,
 * `/views/:view`, `/dlq`, `/query`) answer the same `index.html`, which routes in the browser. The bundle is
 * found relative to this compiled module, not the working directory. `GET /dashboard/capabilities` tells the
 * page which optional API routes this server has, so it can leave out what is missing instead of calling it.
 * A handful of files with content-hashed names need no static-file plugin: each is streamed as it is.
 */
import { createReadStream, existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";

/** Where `vite build` writes the bundle: `dist/web`, beside this module's `dist/src/server`. */
export const DASHBOARD_BUNDLE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web");

/** The browser-routed paths that answer the page itself. */
const PAGE_ROUTES = ["/", "/pipelines/:name", "/views/:view", "/dlq", "/query"];

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

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

  const indexFile = join(bundleDir, "index.html");
  if (!existsSync(indexFile)) {
    // A checkout built with `tsc` alone: say how to get the page instead of a bare 404.
    for (const url of PAGE_ROUTES) {
      app.get(url, async (_request, reply) =>
        reply
          .code(503)
          .type("text/plain; charset=utf-8")
          .send(`The dashboard is not built (no ${indexFile}): run \`npm run build\`.\n`),
      );
    }
    return;
  }

  // The page names the current asset hashes, so it is revalidated every time.
  for (const url of PAGE_ROUTES) {
    app.get(url, async (_request, reply) =>
      reply
        .header("cache-control", "no-cache")
        .type("text/html; charset=utf-8")
        .send(await readFile(indexFile)),
    );
  }

  // Asset names carry a content hash, so a browser may keep them for good. A name is one plain path segment.
  const assetsDir = join(bundleDir, "assets");
  app.get<{ Params: { file: string } }>("/assets/:file", async (request, reply) => {
    const file = request.params.file;
    const path = join(assetsDir, file);
    if (!ASSET_NAME.test(file) || !(await isFile(path))) return reply.callNotFound();
    return reply
      .header("cache-control", "public, max-age=31536000, immutable")
      .type(CONTENT_TYPES[extname(file)] ?? "application/octet-stream")
      .send(createReadStream(path));
  });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
