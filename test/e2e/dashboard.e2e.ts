/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against `sluice demo` (see
 * server-under-test.ts): the pages load without console errors, a live chart changes while records arrive, a
 * bad record shows up among the dead letters with its reason, the query console returns rows, and the
 * pipeline graph shows every step of every demo pipeline. A screenshot of each page goes to test-artifacts/.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { demoCatalog } from "../../src/cli/demo-catalog.js";
import {
  cssString,
  type DashboardSession,
  openDashboardSession,
  postBadRecord,
  type StreamSummary,
} from "./dashboard-session.js";

interface PipelineInfo {
  name: string;
  steps: Array<{ id: string; verb: string; inputs: Array<{ step: string; edge: string }> }>;
}

describe("dashboard in Chromium", { timeout: 180_000 }, () => {
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

  it("loads the overview with no console errors, listing streams and views", async () => {
    await page.goto(`${server.url}/`);
    await page.locator('[data-testid="streams-table"] tr[data-stream]').first().waitFor({ timeout: 15_000 });
    // Views appear once the pipeline has written and checkpointed rows.
    await page.locator('[data-testid="views-table"] tr[data-view]').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(2500); // one more refresh, to catch errors of the polling itself
    await screenshot("overview");
    assertNoPageErrors();
  });

  it("updates a live chart over Server-Sent Events without reloading", async () => {
    const views = (await api<{ views: Array<{ name: string }> }>("/v1/views")).body.views;
    assert.ok(views.length > 0, "the server has no views");
    let charted: string | undefined;
    for (const { name } of views) {
      await page.goto(`${server.url}/views/${encodeURIComponent(name)}`);
      const kind = await page
        .locator('[data-page="view"][data-kind]')
        .getAttribute("data-kind", { timeout: 15_000 })
        .catch(() => null);
      if (kind === "top-n") await screenshot(`view-${name}`);
      if (kind === "time-series") {
        charted = name;
        break;
      }
    }
    assert.ok(
      charted !== undefined,
      `no view is shown as a time series (views: ${views.map((v) => v.name).join(", ")})`,
    );
    const chart = page.locator('[data-testid="time-series"]');
    await page.locator('[data-testid="time-series"] canvas').first().waitFor({ timeout: 10_000 });
    // A marker on the window: it is gone if the page reloads.
    await page.evaluate("window.e2eMarker = 1");
    const first = await chart.getAttribute("data-signature");
    await page.waitForFunction(
      `document.querySelector('[data-testid="time-series"]')?.getAttribute("data-signature") !== ${JSON.stringify(first)}`,
      undefined,
      { timeout: 20_000, polling: 250 },
    );
    const stillSamePage = await page.evaluate("window.e2eMarker === 1");
    assert.ok(stillSamePage, "the page reloaded instead of updating in place");
    assert.equal(await page.locator('[data-testid="connection"]').textContent(), "live");
    await page.waitForTimeout(1500);
    await screenshot(`view-${charted}`);
    assertNoPageErrors();
  });

  it("shows a record posted with a bad field among the dead letters, with its reason", async () => {
    const { stream, marker, reason } = await postBadRecord(session);

    await page.goto(`${server.url}/dlq`);
    await page
      .locator('[data-testid="dlq-stream"] option', { hasText: stream })
      .waitFor({ state: "attached" });
    await page.locator('[data-testid="dlq-reason"]').selectOption("invalid");
    await page.locator('[data-testid="dlq-stream"]').selectOption(stream);
    const row = page.locator('[data-testid="dlq-table"] tr[data-dlq-id]', { hasText: marker });
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await row.getAttribute("data-reason"), "invalid");
    assert.equal((await row.locator(".badge").textContent())?.trim(), "invalid");
    const details = (await row.locator("td.details").textContent()) ?? "";
    assert.ok(details.includes(reason), `the dead letter does not say why (${reason}): ${details}`);
    await screenshot("dlq");
    assertNoPageErrors();
  });

  it("replays a selected dead letter through the server and shows the result", async () => {
    const { marker, reason } = await postBadRecord(session);
    await page.goto(`${server.url}/dlq`);
    const row = page.locator('[data-testid="dlq-table"] tr[data-dlq-id]', { hasText: marker });
    await row.waitFor({ timeout: 10_000 });
    const id = Number(await row.getAttribute("data-dlq-id"));
    await row.locator('input[type="checkbox"]').check();
    const request = page.waitForRequest((r) => r.url().endsWith("/v1/dlq/replay") && r.method() === "POST");
    await page.locator('[data-testid="dlq-replay"]').click();
    assert.deepEqual((await request).postDataJSON(), { ids: [id] });
    // Still invalid under the same schema: the server rejects it again, with the same reason.
    const result = page.locator('[data-testid="dlq-replay-result"]');
    await result.locator("text=rejected").first().waitFor({ timeout: 10_000 });
    const text = (await result.textContent()) ?? "";
    assert.match(text, /1 selected, 0 accepted, 1 rejected/);
    assert.ok(text.includes(`#${id}: ${reason}`), `the result does not name the entry and reason: ${text}`);
    await screenshot("dlq-replay");
    assertNoPageErrors();
  });

  it("runs a query in the console and shows its rows, and shows an error clearly", async () => {
    const streams = (await api<{ streams: StreamSummary[] }>("/v1/streams")).body.streams;
    const stream = streams[0]!.name;
    await page.goto(`${server.url}/query`);
    await page.locator('[data-testid="query-sql"]').fill("SELEC nothing");
    await page.locator('[data-testid="query-run"]').click();
    const error = page.locator('[data-testid="query-error"]');
    await error.waitFor({ timeout: 10_000 });
    assert.match((await error.textContent()) ?? "", /invalid_sql/);
    // Chromium logs every 4xx response; this one was asked for, so it is the one console error allowed.
    const expected = errors.findIndex((e) => /status of 400 .*\/v1\/query/.test(e));
    assert.ok(expected >= 0, "the rejected query left no trace in the console");
    errors.splice(expected, 1);

    await page
      .locator('[data-testid="query-sql"]')
      .fill(`SELECT "offset", event_time, value FROM "${stream}" ORDER BY "offset" LIMIT 5`);
    await page.locator('[data-testid="query-run"]').click();
    const rows = page.locator('[data-testid="query-table"] tbody tr');
    await rows.first().waitFor({ timeout: 10_000 });
    assert.ok((await rows.count()) > 0);
    assert.deepEqual(await page.locator('[data-testid="query-table"] thead th').allTextContents(), [
      "offset",
      "event_time",
      "value",
    ]);
    await screenshot("query");
    assertNoPageErrors();
  });

  it("draws the graph of every demo pipeline with a box for each step and an edge for each input", async () => {
    // What the demo runs, built from its catalog, against what the server reports and the page draws.
    const expected = demoCatalog().examples.map(({ pipeline }) => ({
      name: pipeline.name,
      steps: pipeline.steps.map((step) => ({
        id: step.id,
        verb: step.verb,
        inputs: step.inputs.map((input) => ({ step: input.step.id, edge: input.edge })),
      })),
    }));
    const listed = await api<{ pipelines: PipelineInfo[] }>("/v1/pipelines");
    assert.equal(listed.status, 200, `GET /v1/pipelines answered ${listed.status}`);
    const reported = listed.body.pipelines.map(({ name, steps }) => ({
      name,
      steps: steps.map(({ id, verb, inputs }) => ({ id, verb, inputs })),
    }));
    assert.deepEqual(reported, expected, "GET /v1/pipelines reports the demo's pipelines and their steps");

    for (const pipeline of reported) {
      await page.goto(`${server.url}/pipelines/${encodeURIComponent(pipeline.name)}`);
      const graph = page.locator('[data-testid="pipeline-graph"]');
      await graph.waitFor({ timeout: 15_000 });
      assert.equal(
        await graph.locator("[data-step-id]").count(),
        pipeline.steps.length,
        `pipeline ${pipeline.name}: the graph has another number of boxes than steps`,
      );
      for (const step of pipeline.steps) {
        const box = graph.locator(`[data-step-id="${cssString(step.id)}"]`);
        assert.ok(await box.isVisible(), `pipeline ${pipeline.name}: no visible box for step ${step.id}`);
        const text = (await box.textContent()) ?? "";
        assert.ok(
          text.includes(step.verb) && text.includes(step.id.slice(0, 20)),
          `pipeline ${pipeline.name}: the box of ${step.id} reads ${JSON.stringify(text)}`,
        );
        for (const input of step.inputs) {
          const edge = graph.locator(`path[data-edge="${cssString(`${input.step}->${step.id}`)}"]`);
          assert.equal(
            await edge.count(),
            1,
            `pipeline ${pipeline.name}: no edge ${input.step} -> ${step.id}`,
          );
          assert.equal(await edge.getAttribute("data-edge-kind"), input.edge);
        }
      }
      const edges = pipeline.steps.reduce((n, s) => n + s.inputs.length, 0);
      assert.equal(await graph.locator("path[data-edge]").count(), edges);
      // The page refreshes each second: one refresh more, so the screenshot shows rates.
      await page.waitForTimeout(1200);
      await screenshot(`pipeline-${pipeline.name}`);
    }
    assertNoPageErrors();
  });
});
