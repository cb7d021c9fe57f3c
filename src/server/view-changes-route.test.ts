import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import Fastify from "fastify";
import type { ServerContext } from "./server-context.js";
import { get, startTestServer, type TestServer } from "./server-fixture.js";
import { registerViewChangesRoute } from "./view-changes-route.js";

interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** How long a test waits for what it expects before it fails: generous, for a loaded machine. */
const PATIENCE_MS = 15_000;

/** An open SSE connection over real HTTP, parsed into events (and comments) as they arrive. */
class SseClient {
  readonly events: SseEvent[] = [];
  comments = 0;
  status = 0;
  contentType = "";
  /** Resolves with the status once the first bytes of the reply arrived (or the request failed). */
  readonly opened: Promise<number>;
  private buffer = "";
  private waiters: Array<() => void> = [];
  private request: http.ClientRequest;

  constructor(url: string, headers: Record<string, string> = {}) {
    let opened: (status: number) => void = () => {};
    this.opened = new Promise((resolve) => {
      opened = resolve;
    });
    this.request = http.get(url, { headers }, (res) => {
      this.status = res.statusCode ?? 0;
      this.contentType = String(res.headers["content-type"]);
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        this.buffer += chunk;
        let end = this.buffer.indexOf("\n\n");
        while (end >= 0) {
          this.parse(this.buffer.slice(0, end));
          this.buffer = this.buffer.slice(end + 2);
          end = this.buffer.indexOf("\n\n");
        }
        opened(this.status);
        for (const w of this.waiters.splice(0)) w();
      });
      res.on("end", () => opened(this.status));
    });
    this.request.on("error", () => opened(0));
  }

  /**
   * Resolves once the stream is subscribed: the route writes its first bytes (`retry:`) and subscribes in the
   * same turn, so a change committed after this is sent.
   */
  async subscribed(): Promise<void> {
    const status = await withDeadline(this.opened, "the event stream to open");
    assert.equal(status, 200, "the event stream answered");
  }

  /** Resolves once `n` events (not comments) arrived; fails after PATIENCE_MS. */
  async waitFor(n: number, comments = 0): Promise<SseEvent[]> {
    const deadline = Date.now() + PATIENCE_MS;
    while (this.events.length < n || this.comments < comments) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`expected ${n} events and ${comments} comments, got ${JSON.stringify(this.events)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  close(): void {
    this.request.destroy();
  }

  private parse(block: string): void {
    const e: SseEvent = { event: "message", data: "" };
    let isEvent = false;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) this.comments++;
      else if (line.startsWith("id: ")) e.id = line.slice(4);
      else if (line.startsWith("event: ")) {
        e.event = line.slice(7);
        isEvent = true;
      } else if (line.startsWith("data: ")) {
        e.data = line.slice(6);
        isEvent = true;
      }
    }
    if (isEvent) this.events.push(e);
  }
}

/** `promise`, or a failure naming what was awaited once PATIENCE_MS passed. */
async function withDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), PATIENCE_MS);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `condition()` holds, checking on each turn of the event loop; fails after PATIENCE_MS. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("GET /v1/views/:view/changes", () => {
  let t: TestServer;
  let checkpoint = 1;
  const commit = () => t.store.commitCheckpoint("iot", { id: checkpoint++, sources: {}, steps: {} }, 100);

  before(async () => {
    t = await startTestServer();
    const views = t.store.viewWriter("iot");
    views.upsert("stats", '"d1"', { n: 1 }, 10);
    views.upsert("other", '"x"', { n: 0 }, 10);
    commit();
  });
  after(() => t.close());

  it("streams each committed upsert and delete of the view, in order, with growing ids", async () => {
    const client = new SseClient(`${t.url}/v1/views/stats/changes`);
    await client.subscribed();
    assert.match(client.contentType, /^text\/event-stream/);
    const views = t.store.viewWriter("iot");
    views.upsert("stats", '"d1"', { n: 2 }, 20);
    views.upsert("stats", '"d2"', { n: 5 }, 21);
    views.upsert("other", '"x"', { n: 9 }, 21); // another view: not sent
    views.upsert("stats", '"d3"', { n: 7 }, 22); // not committed yet: not sent
    commit();
    views.delete("stats", '"d2"');
    commit();
    const events = await client.waitFor(4);
    client.close();
    assert.deepEqual(
      events.map((e) => [e.event, JSON.parse(e.data)]),
      [
        ["upsert", { key: '"d1"', value: { n: 2 }, updatedAt: 20 }],
        ["upsert", { key: '"d2"', value: { n: 5 }, updatedAt: 21 }],
        ["upsert", { key: '"d3"', value: { n: 7 }, updatedAt: 22 }],
        ["delete", { key: '"d2"', updatedAt: null }],
      ],
    );
    const ids = events.map((e) => Number(e.id));
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!, `ids grow: ${ids}`);
  });

  it("sends the current rows first with ?snapshot=true", async () => {
    const client = new SseClient(`${t.url}/v1/views/stats/changes?snapshot=true`);
    const events = await client.waitFor(2);
    assert.deepEqual(
      events.map((e) => [e.event, JSON.parse(e.data).key]),
      [
        ["upsert", '"d1"'],
        ["upsert", '"d3"'],
      ],
    );
    t.store.viewWriter("iot").upsert("stats", '"d4"', { n: 1 }, 30);
    commit();
    const more = await client.waitFor(3);
    client.close();
    assert.equal(more[2]!.event, "upsert");
    assert.ok(Number(more[2]!.id) > Number(more[0]!.id));
  });

  it("resumes after Last-Event-ID with exactly the changes missed", async () => {
    const first = new SseClient(`${t.url}/v1/views/stats/changes`);
    await first.subscribed();
    const views = t.store.viewWriter("iot");
    views.upsert("stats", '"r1"', { n: 1 }, 40);
    commit();
    const [seen] = await first.waitFor(1);
    first.close();
    views.upsert("stats", '"r2"', { n: 2 }, 41);
    commit();
    views.delete("stats", '"r1"');
    commit();
    const resumed = new SseClient(`${t.url}/v1/views/stats/changes`, { "last-event-id": seen!.id! });
    const events = await resumed.waitFor(2);
    views.upsert("stats", '"r3"', { n: 3 }, 42);
    commit();
    await resumed.waitFor(3);
    resumed.close();
    assert.deepEqual(
      resumed.events.map((e) => [e.event, JSON.parse(e.data).key]),
      [
        ["upsert", '"r2"'],
        ["delete", '"r1"'],
        ["upsert", '"r3"'],
      ],
    );
    assert.ok(Number(events[0]!.id) > Number(seen!.id));
  });

  it("sends reset and the current rows when Last-Event-ID is no longer buffered", async () => {
    const client = new SseClient(`${t.url}/v1/views/stats/changes`, { "last-event-id": "12" });
    const events = await client.waitFor(1);
    client.close();
    assert.equal(events[0]!.event, "reset");
    const rows = (await get(`${t.url}/v1/views/stats?limit=100`)).body.rows.map(
      (r: { key: string }) => r.key,
    );
    await client.waitFor(1 + rows.length);
    assert.deepEqual(
      client.events.slice(1).map((e) => [e.event, JSON.parse(e.data).key]),
      rows.map((k: string) => ["upsert", k]),
    );
  });

  it("answers 404 for an unknown view and 403 without read scope", async () => {
    const missing = await get(`${t.url}/v1/views/nope/changes`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "unknown_view");
    const keyed = await startTestServer({
      apiKeys: [{ key: "k".repeat(20), scopes: ["read:other"] }],
    });
    try {
      keyed.store.viewWriter("iot").upsert("stats", '"a"', 1, 1);
      keyed.store.commitCheckpoint("iot", { id: 1, sources: {}, steps: {} }, 1);
      const denied = await get(`${keyed.url}/v1/views/stats/changes`, { "x-api-key": "k".repeat(20) });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.details.scope, "read:stats");
    } finally {
      await keyed.close();
    }
  });
});

describe("GET /v1/views/:view/changes with API keys", () => {
  it("takes the key from ?key= too (an EventSource cannot send headers), and logs the url without it", async () => {
    const key = "sse-key-never-logged-0001";
    const lines: string[] = [];
    const keyed = await startTestServer({
      apiKeys: [{ key, scopes: ["read:stats"] }],
      log: { level: "info", format: "json", destination: { write: (line: string) => lines.push(line) } },
    });
    try {
      const views = keyed.store.viewWriter("iot");
      views.upsert("stats", '"a"', { n: 1 }, 1);
      keyed.store.commitCheckpoint("iot", { id: 1, sources: {}, steps: {} }, 1);
      assert.equal((await get(`${keyed.url}/v1/views/stats/changes`)).status, 401);
      const wrong = await get(`${keyed.url}/v1/views/stats/changes?key=not-the-key-0123456789`);
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error.code, "unauthorized");

      const client = new SseClient(`${keyed.url}/v1/views/stats/changes?key=${key}`);
      await client.subscribed();
      views.upsert("stats", '"a"', { n: 2 }, 2);
      keyed.store.commitCheckpoint("iot", { id: 2, sources: {}, steps: {} }, 2);
      const [event] = await client.waitFor(1);
      client.close();
      assert.deepEqual(JSON.parse(event!.data), { key: '"a"', value: { n: 2 }, updatedAt: 2 });
    } finally {
      await keyed.close();
    }
    const urls = lines.map((line) => (JSON.parse(line) as { req?: { url?: string } }).req?.url);
    assert.ok(urls.includes("/v1/views/stats/changes?key=[REDACTED]"), `logged urls: ${urls}`);
    assert.ok(!lines.join("").includes(key), "the key was logged");
  });
});

describe("view change stream housekeeping", () => {
  it("sends heartbeat comments and drops its listener when the client goes", async () => {
    const t = await startTestServer();
    const app = Fastify();
    try {
      t.store.viewWriter("iot").upsert("stats", '"a"', 1, 1);
      t.store.commitCheckpoint("iot", { id: 1, sources: {}, steps: {} }, 1);
      const ctx = { store: t.store, clock: t.clock } as unknown as ServerContext;
      const hub = registerViewChangesRoute(app, ctx, { heartbeatMs: 20, bufferPerView: 3 });
      const url = await app.listen({ host: "127.0.0.1", port: 0 });
      const client = new SseClient(`${url}/v1/views/stats/changes`);
      await client.waitFor(0, 2);
      client.close();
      const subscribers = (hub as unknown as { subscribers: Map<string, unknown> }).subscribers;
      await until(() => subscribers.size === 0, "the closed client's listener to go");

      // With room for 3 changes, an id older than the buffer gets a reset.
      const start = hub.current;
      for (let i = 0; i < 5; i++) {
        t.store.viewWriter("iot").upsert("stats", `"k${i}"`, i, i);
        t.store.commitCheckpoint("iot", { id: 2 + i, sources: {}, steps: {} }, 1);
      }
      assert.equal(hub.changesAfter("stats", start), undefined);
      assert.deepEqual(
        hub.changesAfter("stats", start + 3)?.map((c) => c.seq),
        [start + 4, start + 5],
      );
    } finally {
      await app.close();
      await t.close();
    }
  });
});
