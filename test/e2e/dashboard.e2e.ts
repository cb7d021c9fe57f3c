/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real Sluice process
 * (see server-under-test.ts): the pages load without console errors, a live chart changes while records
 * arrive, a bad record shows up among the dead letters with its reason, the query console returns rows, and
 * the pipeline graph shows every step. A screenshot of each page goes to test-artifacts/.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import clickstream from "../../examples/clickstream-sessions.js";
import { launchBrowser, recordPageErrors, type TestBrowser } from "./browser.js";
import { type ServerUnderTest, startServerUnderTest } from "./server-under-test.js";

const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test-artifacts");

interface StreamSummary {
  name: string;
  schema: { properties?: Record<string, { type?: string | string[] }> } | null;
}
interface PipelineInfo {
  name: string;
  steps: Array<{ id: string; inputs: Array<{ step: string; edge: string }> }>;
}

describe("dashboard in Chromium", { timeout: 180_000 }, () => {
  let server: ServerUnderTest;
  let browser: TestBrowser;
  let page: Page;
  let errors: string[];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startServerUnderTest();
    browser = await launchBrowser();
    page = await browser.context.newPage();
    errors = recordPageErrors(page);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const api = async <T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${server.url}${path}`, init);
    return { status: response.status, body: (await response.json()) as T };
  };
  const screenshot = (name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const assertNoPageErrors = () =>
    assert.deepEqual(errors, [], `the page logged errors:\n${errors.join("\n")}`);

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
    const streams = (await api<{ streams: StreamSummary[] }>("/v1/streams")).body.streams;
    const stream = streams.find((s) => Object.keys(s.schema?.properties ?? {}).length > 0);
    assert.ok(stream !== undefined, "no stream declares a schema");
    const marker = `e2e-bad-${Date.now()}`;
    const bad = badRecord(stream, marker);
    const ingest = await api<{ accepted: number; rejected: number }>(
      `/v1/streams/${encodeURIComponent(stream.name)}/events`,
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(bad) },
    );
    assert.equal(ingest.body.rejected, 1, `the bad record ${JSON.stringify(bad)} was not rejected`);

    await page.goto(`${server.url}/dlq`);
    await page
      .locator('[data-testid="dlq-stream"] option', { hasText: stream.name })
      .waitFor({ state: "attached" });
    await page.locator('[data-testid="dlq-reason"]').selectOption("invalid");
    await page.locator('[data-testid="dlq-stream"]').selectOption(stream.name);
    const row = page.locator('[data-testid="dlq-table"] tr[data-dlq-id]', { hasText: marker });
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await row.getAttribute("data-reason"), "invalid");
    assert.equal((await row.locator(".badge").textContent())?.trim(), "invalid");
    const details = (await row.locator("td.details").textContent()) ?? "";
    assert.ok(details.trim().length > 0, "the dead letter shows no details of why it was rejected");
    await screenshot("dlq");
    assertNoPageErrors();
  });

  it("replays the selected dead letters and shows the result (stubbed POST /v1/dlq/replay)", async () => {
    // The replay route is built on another branch: the page is checked against its agreed contract.
    let posted: unknown;
    await page.route("**/dashboard/capabilities", (route) =>
      route.fulfill({
        status: 200,
        contentType: "application/json",
        body: '{"pipelines":false,"dlqReplay":true}',
      }),
    );
    await page.route("**/v1/dlq/replay", (route) => {
      posted = route.request().postDataJSON();
      const ids = (posted as { ids: number[] }).ids;
      return route.fulfill({
        status: 200,
        contentType: "application/json",
        body: JSON.stringify({
          selected: ids.length,
          accepted: 0,
          rejected: ids.length,
          offsets: null,
          errors: ids.map((id) => ({ id, reason: "/ts: must be integer" })),
        }),
      });
    });
    try {
      await page.goto(`${server.url}/dlq`);
      const first = page.locator('[data-testid="dlq-table"] tr[data-dlq-id]').first();
      await first.waitFor({ timeout: 10_000 });
      const id = Number(await first.getAttribute("data-dlq-id"));
      await first.locator('input[type="checkbox"]').check();
      await page.locator('[data-testid="dlq-replay"]').click();
      const result = page.locator('[data-testid="dlq-replay-result"]');
      await result.locator("text=rejected").first().waitFor({ timeout: 10_000 });
      assert.deepEqual(posted, { ids: [id] });
      assert.match((await result.textContent()) ?? "", /1 selected, 0 accepted, 1 rejected/);
      assert.match((await result.textContent()) ?? "", new RegExp(`#${id}: /ts: must be integer`));
      await screenshot("dlq-replay");
    } finally {
      await page.unrouteAll();
    }
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
      // Depth layout: every step sits right of each of its inputs.
      const x = async (id: string) =>
        Number(
          await graph
            .locator(`[data-step-id="${cssString(id)}"]`)
            .evaluate((e: { getBoundingClientRect(): { x: number } }) => e.getBoundingClientRect().x),
        );
      for (const step of steps) {
        for (const input of step.inputs) {
          const [from, to] = [await x(input.step), await x(step.id)];
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

/** A record of `stream` whose numeric fields hold objects and whose string fields hold `marker`. */
function badRecord(stream: StreamSummary, marker: string): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  let broken = false;
  for (const [name, property] of Object.entries(stream.schema?.properties ?? {})) {
    const types = [property.type ?? []].flat();
    if (types.includes("string")) record[name] = marker;
    else {
      record[name] = { not: "valid" };
      broken = true;
    }
  }
  if (!broken) record.__e2e = { not: "valid" };
  return record;
}

function cssString(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
}
