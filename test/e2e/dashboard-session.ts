/**
 * One browser page on the dashboard of a fresh server under test (see server-under-test.ts), with the page's
 * console errors recorded, calls to the server's API, and screenshots saved to test-artifacts/ (git-ignored).
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { launchBrowser, recordPageErrors, type TestBrowser } from "./browser.js";
import {
  REPO_ROOT,
  type ServerUnderTest,
  type ServerUnderTestOptions,
  startServerUnderTest,
} from "./server-under-test.js";

/** Where screenshots go: test-artifacts/ at the repository root (git-ignored). */
export const ARTIFACTS = join(REPO_ROOT, "test-artifacts");

export interface StreamSummary {
  name: string;
  schema: { properties?: Record<string, { type?: string | string[] }> } | null;
}

export interface DashboardSession {
  readonly server: ServerUnderTest;
  readonly page: Page;
  /** Console errors and uncaught exceptions of the page so far; a test that provokes one removes it. */
  readonly errors: string[];
  /** Calls the server's API directly, e.g. `await session.api("/v1/streams")`. */
  api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
  /** Saves a full-page screenshot as test-artifacts/NAME.png. */
  screenshot(name: string): Promise<void>;
  assertNoPageErrors(): void;
  close(): Promise<void>;
}

/**
 * Starts the server under test and a browser page. With `apiKey` the server requires it, the page starts
 * with it stored (as if the user had entered it once) and `api()` sends it.
 */
export async function openDashboardSession(options: ServerUnderTestOptions = {}): Promise<DashboardSession> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const server = await startServerUnderTest(options);
  let browser: TestBrowser;
  try {
    browser = await launchBrowser();
  } catch (error) {
    await server.stop();
    throw error;
  }
  const { apiKey } = options;
  if (apiKey !== undefined) {
    await browser.context.addInitScript(`localStorage.setItem("sluice.apiKey", ${JSON.stringify(apiKey)})`);
  }
  const page = await browser.context.newPage();
  const errors = recordPageErrors(page);
  return {
    server,
    page,
    errors,
    async api<T>(path: string, init: RequestInit = {}) {
      const headers = new Headers(init.headers);
      if (apiKey !== undefined) headers.set("authorization", `Bearer ${apiKey}`);
      const response = await fetch(`${server.url}${path}`, { ...init, headers });
      return { status: response.status, body: (await response.json()) as T };
    },
    async screenshot(name) {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    assertNoPageErrors() {
      assert.deepEqual(errors, [], `the page logged errors:\n${errors.join("\n")}`);
    },
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}

/**
 * Posts a record of a declared stream that its schema rejects; returns the stream, the marker in the record
 * and the reason the server gave (e.g. `/temp: must be number`).
 */
export async function postBadRecord(
  session: DashboardSession,
): Promise<{ stream: string; marker: string; reason: string }> {
  const streams = (await session.api<{ streams: StreamSummary[] }>("/v1/streams")).body.streams;
  const stream = streams.find((s) => Object.keys(s.schema?.properties ?? {}).length > 0);
  assert.ok(stream !== undefined, "no stream declares a schema");
  const marker = `e2e-bad-${Date.now()}`;
  const bad = badRecord(stream, marker);
  const ingest = await session.api<{ accepted: number; rejected: number; errors: Array<{ reason: string }> }>(
    `/v1/streams/${encodeURIComponent(stream.name)}/events`,
    { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(bad) },
  );
  assert.equal(ingest.body.rejected, 1, `the bad record ${JSON.stringify(bad)} was not rejected`);
  return { stream: stream.name, marker, reason: ingest.body.errors[0]!.reason };
}

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

export function cssString(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
}
