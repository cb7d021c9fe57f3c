/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real Sluice process
 * (see server-under-test.ts): the pages load without console errors, a live chart changes while records
 * arrive, a bad record shows up among the dead letters with its reason, the query console returns rows, and
 * the pipeline graph shows every step. A screenshot of each page goes to test-artifacts/.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import {
  cssString,
  type DashboardSession,
  openDashboardSession,
  postBadRecord,
  type StreamSummary,
} from "./dashboard-session.js";

interface PipelineInfo {
  name: string;
  steps: Array<{ id: string; inputs: Array<{ step: string; edge: string }> }>;
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
    const { stream, marker } = await postBadRecord(session);

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
    assert.ok(details.trim().length > 0, "the dead letter shows no details of why it was rejected");
    await screenshot("dlq");
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

  it("draws the pipeline graph with every step", async (t) => {
    const listed = await api<{ pipelines?: PipelineInfo[] }>("/v1/pipelines");
    if (listed.status === 404 && process.env.SLUICE_E2E_REQUIRE_PIPELINES !== "1") {
      // The only skip in this file: GET /v1/pipelines is built on another branch. Once it is merged this
      // runs; set SLUICE_E2E_REQUIRE_PIPELINES=1 to make a missing route fail instead.
      t.skip("GET /v1/pipelines answers 404 on this server: the pipeline graph has nothing to draw yet");
      return;
    }
    assert.equal(listed.status, 200, `GET /v1/pipelines answered ${listed.status}`);
    const pipelines = listed.body.pipelines ?? [];
    assert.ok(pipelines.length > 0, "GET /v1/pipelines lists no pipelines, but the server runs at least one");
    for (const pipeline of pipelines) {
      await page.goto(`${server.url}/pipelines/${encodeURIComponent(pipeline.name)}`);
      await page.locator('[data-testid="pipeline-graph"]').waitFor({ timeout: 10_000 });
      for (const step of pipeline.steps) {
        const box = page.locator(`[data-testid="pipeline-graph"] [data-step-id="${cssString(step.id)}"]`);
        assert.equal(await box.count(), 1, `pipeline ${pipeline.name}: no box for step ${step.id}`);
      }
      const edges = pipeline.steps.reduce((n, s) => n + s.inputs.length, 0);
      assert.equal(await page.locator('[data-testid="pipeline-graph"] path[data-edge]').count(), edges);
      await page.waitForTimeout(1200);
      await screenshot(`pipeline-${pipeline.name}`);
    }
    assertNoPageErrors();
  });
});
