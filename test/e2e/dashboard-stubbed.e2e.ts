/**
 * The dashboard in Chromium against replies stubbed in the browser, for what the demo under test does not
 * show: a pipeline graph with late edges (from a `PipelineInfo`), and the API key prompt on 401.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import clickstream from "../../examples/clickstream-sessions.js";
import {
  cssString,
  type DashboardSession,
  openDashboardSession,
  type StreamSummary,
} from "./dashboard-session.js";

describe("dashboard in Chromium, stubbed replies", { timeout: 180_000 }, () => {
  let session: DashboardSession;
  let server: DashboardSession["server"];
  let page: Page;
  let errors: string[];

  before(async () => {
    session = await openDashboardSession();
    ({ server, page, errors } = session);
  });
  after(async () => session?.close());

  const api = <T>(path: string, init?: RequestInit) => session.api<T>(path, init);
  const screenshot = (name: string) => session.screenshot(name);
  const assertNoPageErrors = () => session.assertNoPageErrors();

  it("asks for an API key on 401, stores it and sends it as a Bearer token (stubbed API)", async () => {
    const key = "e2e-key-0123456789abcdef";
    const seen: Array<string | undefined> = [];
    await page.route("**/v1/streams", (route) => {
      const authorization = route.request().headers().authorization;
      seen.push(authorization);
      if (authorization === `Bearer ${key}`) return route.continue();
      return route.fulfill({
        status: 401,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "unauthorized", message: "an API key is required" } }),
      });
    });
    try {
      await page.goto(`${server.url}/`);
      const prompt = page.locator('[data-testid="api-key-prompt"]');
      await prompt.waitFor({ timeout: 10_000 });
      await prompt.locator("input").fill(key);
      await prompt.locator('button[type="submit"]').click();
      await page
        .locator('[data-testid="streams-table"] tr[data-stream]')
        .first()
        .waitFor({ timeout: 10_000 });
      assert.equal(await page.evaluate("localStorage.getItem('sluice.apiKey')"), key);
      assert.ok(
        seen.includes(undefined) && seen.includes(`Bearer ${key}`),
        `authorization headers seen: ${seen}`,
      );
      await screenshot("api-key-prompt-after");
    } finally {
      await page.unrouteAll();
      await page.evaluate("localStorage.removeItem('sluice.apiKey')");
    }
    // Chromium logs each 401 response; those were asked for.
    errors.splice(0, errors.length, ...errors.filter((e) => !/status of 401/.test(e)));
    assertNoPageErrors();
  });

  it("lays out a pipeline graph in the agreed PipelineInfo shape, late edges dashed (stubbed API)", async () => {
    // The graph drawing on its own, whatever this server reports: the real example's steps plus a step fed
    // by a late edge, served by the browser in the GET /v1/pipelines/:name contract.
    const steps = [
      ...clickstream.steps.map((step, i) => ({
        id: step.id,
        verb: step.verb,
        inputs: step.inputs.map((input) => ({ step: input.step.id, edge: input.edge })),
        recordsIn: 1000 * (i + 1),
        recordsOut: 900 * (i + 1),
        inRate: 120.5,
        outRate: 98,
        watermark: 1_764_115_200_000,
        watermarkLagMs: 5000,
        processingMs: 12,
        ended: false,
      })),
    ];
    const stream = (await api<{ streams: StreamSummary[] }>("/v1/streams")).body.streams[0]!.name;
    const windowStep = steps.find((s) => s.verb === "window")!;
    steps.push({
      ...steps[steps.length - 1]!,
      id: "late-sessions",
      verb: "sink",
      inputs: [{ step: windowStep.id, edge: "late" }],
    });
    const info = {
      name: "stubbed",
      status: "running",
      error: null,
      startedAt: Date.now() - 60_000,
      steps,
      checkpoints: {
        count: 12,
        lastId: 12,
        lastAt: Date.now() - 400,
        lastDurationMs: 8,
        lastBytes: 20_480,
        intervalMs: 1000,
        idlePauseMs: 10,
      },
      backpressure: { blockedMs: 0, blockedRatio: 0 },
      sources: [{ step: steps[0]!.id, stream, position: 1000, endOffset: 1010, lag: 10 }],
    };
    const json = (body: unknown) => ({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify(body),
    });
    await page.route("**/dashboard/capabilities", (route) =>
      route.fulfill(json({ pipelines: true, dlqReplay: true })),
    );
    await page.route("**/v1/pipelines/stubbed", (route) => route.fulfill(json(info)));
    await page.route("**/v1/pipelines", (route) => route.fulfill(json({ pipelines: [info] })));
    try {
      // The overview lists the pipeline and takes the stream's lag from its source.
      await page.goto(`${server.url}/`);
      const row = page.locator('[data-testid="pipelines-table"] tr[data-pipeline="stubbed"]');
      await row.waitFor({ timeout: 10_000 });
      assert.match((await row.textContent()) ?? "", /running/);
      const streamRow = page.locator(`[data-testid="streams-table"] tr[data-stream="${cssString(stream)}"]`);
      await streamRow.locator("td", { hasText: /^10$/ }).waitFor({ timeout: 10_000 });
      await screenshot("overview-with-pipelines");
      await row.locator("a").click();
      const graph = page.locator('[data-testid="pipeline-graph"]');
      await graph.waitFor({ timeout: 10_000 });
      assert.equal(await graph.locator("[data-step-id]").count(), steps.length);
      const late = graph.locator('path[data-edge-kind="late"]');
      assert.equal(await late.count(), 1);
      const dashes = await page.evaluate(
        `getComputedStyle(document.querySelector('path[data-edge-kind="late"]')).strokeDasharray`,
      );
      assert.ok(
        typeof dashes === "string" && /\d/.test(dashes),
        `the late edge is not dashed (${String(dashes)})`,
      );
      // Depth layout: every step sits right of each of its inputs. The page redraws the graph every second,
      // so the boxes are measured in one go: a box measured after it was replaced would read x = 0.
      const x = (await page.evaluate(
        `Object.fromEntries([...document.querySelectorAll('[data-testid="pipeline-graph"] [data-step-id]')]
          .map((box) => [box.getAttribute("data-step-id"), box.getBoundingClientRect().x]))`,
      )) as Record<string, number>;
      for (const step of steps) {
        for (const input of step.inputs) {
          const [from, to] = [x[input.step]!, x[step.id]!];
          assert.ok(from < to, `${input.step} (x ${from}) is not left of ${step.id} (x ${to})`);
        }
      }
      assert.equal((await page.locator('[data-testid="pipeline-status"]').textContent())?.trim(), "running");
      await screenshot("pipeline-stubbed");
    } finally {
      await page.unrouteAll();
    }
    assertNoPageErrors();
  });
});
