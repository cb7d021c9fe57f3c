import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Fastify from "fastify";
import { registerDashboardRoute } from "./dashboard-route.js";

const root = mkdtempSync(join(tmpdir(), "sluice-dashboard-"));
after(() => rmSync(root, { recursive: true, force: true }));

function bundle(): string {
  const dir = mkdtempSync(join(root, "bundle-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>Sluice</title>");
  writeFileSync(join(dir, "assets", "index-abc123.js"), "console.log(1)");
  return dir;
}

describe("the dashboard route", () => {
  it("answers the page at / and at every page route, and the hashed assets with long caching", async () => {
    const app = Fastify();
    registerDashboardRoute(app, bundle());
    try {
      for (const url of ["/", "/pipelines/iot", "/views/device_stats", "/dlq", "/query"]) {
        const page = await app.inject({ url });
        assert.equal(page.statusCode, 200, url);
        assert.match(page.headers["content-type"] as string, /text\/html/);
        assert.match(page.body, /<title>Sluice<\/title>/);
        assert.equal(page.headers["cache-control"], "no-cache");
      }
      const asset = await app.inject({ url: "/assets/index-abc123.js" });
      assert.equal(asset.statusCode, 200);
      assert.match(asset.headers["cache-control"] as string, /immutable/);
      assert.match(asset.headers["content-type"] as string, /text\/javascript/);
      assert.equal(asset.body, "console.log(1)");
      assert.equal((await app.inject({ url: "/assets/missing.js" })).statusCode, 404);
      assert.equal((await app.inject({ url: "/assets/..%2Findex.html" })).statusCode, 404);
      assert.equal((await app.inject({ url: "/assets/.hidden" })).statusCode, 404);
      assert.equal((await app.inject({ url: "/somewhere/else" })).statusCode, 404);
    } finally {
      await app.close();
    }
  });

  it("reports which optional API routes exist, including ones registered inside plugins", async () => {
    const app = Fastify();
    registerDashboardRoute(app, bundle());
    app.register(async (scope) => {
      scope.get("/v1/pipelines", async () => ({ pipelines: [] }));
    });
    try {
      const answer = await app.inject({ url: "/dashboard/capabilities" });
      assert.deepEqual(answer.json(), { pipelines: true, dlqReplay: false });
    } finally {
      await app.close();
    }
  });

  it("says how to build the page when the bundle is missing", async () => {
    const app = Fastify();
    registerDashboardRoute(app, join(root, "not-built"));
    try {
      const page = await app.inject({ url: "/" });
      assert.equal(page.statusCode, 503);
      assert.match(page.body, /npm run build/);
    } finally {
      await app.close();
    }
  });
});
