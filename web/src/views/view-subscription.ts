/**
 * Follows a view live: opens `GET /v1/views/:view/changes` (Server-Sent Events) first, then loads the view's
 * latest rows, and hands on the rows and every change after them. EventSource reconnects by itself with
 * `Last-Event-ID`; a `reset` event (changes no longer buffered) starts over from the rows that follow it.
 */
import type { ApiClient, ApiFailure } from "../api-client.js";
import type { ViewRow } from "../api-types.js";

export interface ViewListener {
  /** Rows loaded or changed. */
  upsert(row: ViewRow): void;
  delete(key: string): void;
  /** The server could not resume: drop every row held; upserts of the current rows follow. */
  reset(): void;
  /** Called after a batch of changes (or the first load) has been handed on. */
  changed(): void;
  connection(state: "connecting" | "live" | "reconnecting"): void;
  failed(failure: ApiFailure): void;
}

/** Starts following `view`; returns a function that stops. */
export function followView(
  api: ApiClient,
  view: string,
  initialLimit: number,
  listener: ViewListener,
): () => void {
  const path = `/v1/views/${encodeURIComponent(view)}`;
  const controller = new AbortController();
  let loaded = false;
  const pending: Array<() => void> = [];
  const apply = (change: () => void) => {
    if (loaded) {
      change();
      listener.changed();
    } else {
      pending.push(change);
    }
  };

  listener.connection("connecting");
  const source = new EventSource(api.eventSourceUrl(`${path}/changes`));
  source.addEventListener("open", () => listener.connection("live"));
  source.addEventListener("error", () => {
    if (source.readyState !== EventSource.CLOSED) listener.connection("reconnecting");
  });
  source.addEventListener("upsert", (event) => {
    const data = parse(event) as { key: string; value: unknown; updatedAt: number } | undefined;
    if (data !== undefined)
      apply(() => listener.upsert({ key: data.key, value: data.value, updatedAt: data.updatedAt }));
  });
  source.addEventListener("delete", (event) => {
    const data = parse(event) as { key: string } | undefined;
    if (data !== undefined) apply(() => listener.delete(data.key));
  });
  source.addEventListener("reset", () => apply(() => listener.reset()));

  void api
    .get<{ rows: ViewRow[] }>(`${path}?limit=${initialLimit}&order=updated`, controller.signal)
    .then((result) => {
      if (controller.signal.aborted) return;
      if (!result.ok) {
        listener.failed(result.error);
        if (result.error.status === 404 || result.error.status === 401 || result.error.status === 403)
          source.close();
      } else {
        for (const row of result.data.rows) listener.upsert(row);
      }
      loaded = true;
      for (const change of pending.splice(0)) change();
      listener.changed();
    });

  return () => {
    controller.abort();
    source.close();
  };
}

function parse(event: Event): unknown {
  try {
    return JSON.parse((event as MessageEvent<string>).data);
  } catch {
    return undefined;
  }
}
