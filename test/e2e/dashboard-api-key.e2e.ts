/**
 * The dashboard against `sluice demo --api-key KEY`, where every API call needs the key, with the key stored
 * in the browser as the API key prompt leaves it: the overview loads with no 401 and no console error, and a
 * view's live page follows its changes over Server-Sent Events, whose url carries the key as `?key=` (an
 * EventSource cannot send headers).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { type DashboardSession, openDashboardSession } from "./dashboard-session.js";

const KEY = "e2e-demo-key-0123456789";
const VIEW = "device_stats";

describe("dashboard in Chromium, on a server that requires an API key", { timeout: 180_000 }, () => {
  let session: DashboardSession;
  let page: Page;

  before(async () => {
    session = await openDashboardSession({ apiKey: KEY });
    page = session.page;
  });
  after(async () => session?.close());

  it("loads the overview with the stored key: no prompt, no 401, no console errors", async () => {
    const anonymous = await fetch(`${session.server.url}/v1/streams`);
    assert.equal(anonymous.status, 401, "the server under test does not require a key");
    await page.goto(`${session.server.url}/`);
    await page.locator('[data-testid="streams-table"] tr[data-stream]').first().waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="views-table"] tr[data-view]').first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-testid="api-key-prompt"]').count(), 0);
    await session.screenshot("overview-with-api-key");
    session.assertNoPageErrors();
  });

  it("follows a view live over Server-Sent Events, sending the key as ?key=", async () => {
    const deadline = Date.now() + 30_000;
    let rows = 0;
    while (rows === 0 && Date.now() < deadline) {
      const reply = await session.api<{ rows?: unknown[] }>(`/v1/views/${VIEW}?limit=1`);
      rows = reply.body.rows?.length ?? 0;
      if (rows === 0) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(rows > 0, `${VIEW} has no rows 30 s after the demo started`);

    const streamUrls: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes(`/v1/views/${VIEW}/changes`)) streamUrls.push(request.url());
    });
    await page.goto(`${session.server.url}/views/${VIEW}`);
    const chart = page.locator('[data-testid="time-series"]');
    await page.locator('[data-testid="time-series"] canvas').first().waitFor({ timeout: 15_000 });
    const first = await chart.getAttribute("data-signature");
    await page.waitForFunction(
      `document.querySelector('[data-testid="time-series"]')?.getAttribute("data-signature") !== ${JSON.stringify(first)}`,
      undefined,
      { timeout: 30_000, polling: 250 },
    );
    assert.equal(await page.locator('[data-testid="connection"]').textContent(), "live");
    assert.ok(
      streamUrls.length > 0 && streamUrls.every((url) => new URL(url).searchParams.get("key") === KEY),
      `the event stream urls do not carry the key: ${streamUrls.join(", ")}`,
    );
    await session.screenshot(`view-${VIEW}-with-api-key`);
    session.assertNoPageErrors();
  });
});
