/**
 * What the server's tests share: a server over a store in a fresh temporary directory, listening on a free
 * loopback port, and the "readings" stream they ingest into. `close()` stops both and removes the directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../core/clock.js";
import { EmbeddedStore } from "../store/index.js";
import { createServer, type ServerOptions, type SluiceServer } from "./server.js";
import { defineStream, type StreamDefinition } from "./stream-definition.js";

/** A sensor reading: `{ deviceId, temp, ts, unit? }`, event time from `ts`, cleansed. */
export function readingsStream(): StreamDefinition {
  return defineStream({
    name: "readings",
    schema: {
      type: "object",
      properties: {
        deviceId: { type: "string", minLength: 1 },
        temp: { type: "number", minimum: -100, maximum: 1000 },
        ts: { type: ["integer", "string"] },
        unit: { type: "string", enum: ["C", "F"] },
        tags: { type: "object" },
      },
      required: ["deviceId", "temp"],
    },
    key: "deviceId",
    eventTime: "ts",
    cleanse: { trim: true, coerceNumbers: true, defaults: { unit: "C" } },
  });
}

export interface TestServer {
  readonly url: string;
  readonly store: EmbeddedStore;
  readonly server: SluiceServer;
  readonly dir: string;
  readonly clock: ManualClock;
  /** Stops the server, closes the store (unless `keepStore`) and removes the directory (unless `keepDir`). */
  close(options?: { keepDir?: boolean }): Promise<void>;
}

/** Starts a server on a temporary store, e.g. `const t = await startTestServer(); ...; await t.close()`. */
export async function startTestServer(
  options: Partial<ServerOptions> & { dir?: string } = {},
): Promise<TestServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "sluice-server-"));
  const store = options.store ?? new EmbeddedStore(dir);
  const clock = new ManualClock(1_700_000_000_000);
  const server = createServer({ clock, streams: [readingsStream()], ...options, store });
  const { url } = await server.listen();
  return {
    url,
    store,
    server,
    dir,
    clock,
    async close(closeOptions = {}) {
      await server.close();
      store.close();
      if (closeOptions.keepDir !== true) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A reply body, read loosely by the tests. */
// biome-ignore lint/suspicious/noExplicitAny: tests index into replies of many shapes
type LooseJson = any;

export interface TestReply {
  readonly status: number;
  readonly body: LooseJson;
  readonly headers: Headers;
}

/** A POST with a body and content type, returning status and parsed JSON (or text). */
export async function post(
  url: string,
  body: string | Uint8Array,
  contentType = "application/json",
  headers: Record<string, string> = {},
): Promise<TestReply> {
  const response = await fetch(url, {
    method: "POST",
    body,
    headers: contentType === "" ? headers : { "content-type": contentType, ...headers },
  });
  return { status: response.status, body: await parseBody(response), headers: response.headers };
}

/** A GET returning status and parsed JSON (or text). */
export async function get(url: string, headers: Record<string, string> = {}): Promise<TestReply> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: await parseBody(response), headers: response.headers };
}

async function parseBody(response: Response): Promise<LooseJson> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
