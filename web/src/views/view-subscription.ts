/**
 * Follows a view live: checks that the view exists, opens `GET /v1/views/:view/changes` (Server-Sent
 * Events), then loads the view's latest rows and hands on the rows and every change after them (the stream
 * is opened first so no change falls between the two). EventSource reconnects by itself with
 * `Last-Event-ID`; a `reset` event (changes no longer buffered) starts over from the rows that follow it. If
 * the event stream is refused for good (e.g. a server that takes keys only in headers there), the view is
 * polled instead.
 */
import type { ApiClient, ApiFailure } from "../api-client.js";
import type { ViewInfo, ViewRow } from "../api-types.js";

export type ConnectionState = "connecting" | "live" | "reconnecting" | "polling";

export interface ViewListener {
  /** Rows loaded or changed. */
  upsert(row: ViewRow): void;
  delete(key: string): void;
  /** The server could not resume: drop every row held; upserts of the current rows follow. */
  reset(): void;
  /** A batch of rows was handed on: the first load (`loaded`) or a live change (`change`). */
  changed(cause: "loaded" | "change"): void;
  connection(state: ConnectionState): void;
  failed(failure: ApiFailure): void;
}

const POLL_MS = 2000;

/** Starts following `view`; returns a function that stops. */
export function followView(
  api: ApiClient,
  view: string,
  initialLimit: number,
  listener: ViewListener,
): () => void {
  const path = `/v1/views/${encodeURIComponent(view)}`;
  const rowsPath = `${path}?limit=${initialLimit}&order=updated`;
  const controller = new AbortController();
  const signal = controller.signal;
  let source: EventSource | null = null;
  let poller: ReturnType<typeof setInterval> | undefined;
  let loaded = false;
  const pending: Array<() => void> = [];
  const apply = (change: () => void) => {
    if (loaded) {
      change();
      listener.changed("change");
    } else {
      pending.push(change);
    }
  };

  const poll = () => {
    listener.connection("polling");
    poller = setInterval(async () => {
      const result = await api.get<{ rows: ViewRow[] }>(rowsPath, signal);
      if (signal.aborted || !result.ok) return;
      for (const row of result.data.rows) listener.upsert(row);
      listener.changed("change");
    }, POLL_MS);
  };

  const open = () => {
    listener.connection("connecting");
    const events = new EventSource(api.eventSourceUrl(`${path}/changes`));
    source = events;
    events.addEventListener("open", () => listener.connection("live"));
    events.addEventListener("error", () => {
      if (events.readyState !== EventSource.CLOSED) {
        listener.connection("reconnecting");
      } else if (!signal.aborted && poller === undefined) {
        poll();
      }
    });
    events.addEventListener("upsert", (event) => {
      const data = parse(event) as { key: string; value: unknown; updatedAt: number } | undefined;
      if (data !== undefined)
        apply(() => listener.upsert({ key: data.key, value: data.value, updatedAt: data.updatedAt }));
    });
    events.addEventListener("delete", (event) => {
      const data = parse(event) as { key: string } | undefined;
      if (data !== undefined) apply(() => listener.delete(data.key));
    });
    events.addEventListener("reset", () => apply(() => listener.reset()));
  };

  const start = async () => {
    // A view that does not exist (yet) is said so, rather than asked for and answered 404.
    const views = await api.get<{ views: ViewInfo[] }>("/v1/views", signal);
    if (signal.aborted) return;
    if (!views.ok) {
      listener.failed(views.error);
      return;
    }
    if (!views.data.views.some((v) => v.name === view)) {
      listener.failed({
        status: 404,
        code: "unknown_view",
        message: `no view ${JSON.stringify(view)} (yet)`,
      });
      return;
    }
    open();
    const result = await api.get<{ rows: ViewRow[] }>(rowsPath, signal);
    if (signal.aborted) return;
    if (!result.ok) listener.failed(result.error);
    else for (const row of result.data.rows) listener.upsert(row);
    loaded = true;
    for (const change of pending.splice(0)) change();
    listener.changed("loaded");
  };
  void start();

  return () => {
    controller.abort();
    source?.close();
    clearInterval(poller);
  };
}

function parse(event: Event): unknown {
  try {
    return JSON.parse((event as MessageEvent<string>).data);
  } catch {
    return undefined;
  }
}
