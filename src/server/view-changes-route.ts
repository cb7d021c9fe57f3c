/**
 * `GET /v1/views/:view/changes`: a view's committed changes as Server-Sent Events, one `upsert` or `delete`
 * event per changed row, `id:` a change sequence that only grows. `?snapshot=true` sends the current rows
 * first. A client that reconnects with `Last-Event-ID` gets the changes it missed from a bounded in-memory
 * buffer per view, or, when they are no longer there, `event: reset` followed by the current rows. The API key
 * may come as `?key=` too, since a browser's EventSource cannot send headers.
 */
import type { FastifyInstance } from "fastify";
import type { EmbeddedStore, ViewChange } from "../store/index.js";
import { ApiError } from "./api-error.js";
import { enumParam, type Query } from "./query-params.js";
import type { ServerContext } from "./server-context.js";

export interface ViewChangesOptions {
  /** Changes kept per view for `Last-Event-ID` resumes (default 10,000). */
  readonly bufferPerView?: number;
  /** Milliseconds between heartbeat comments (default 15,000). */
  readonly heartbeatMs?: number;
  /** A client whose unsent output exceeds this many bytes is disconnected (default 8 MiB); it may resume. */
  readonly maxQueuedBytes?: number;
}

/** One change as sent: its sequence number and the SSE frame. */
interface SequencedChange {
  readonly seq: number;
  readonly frame: string;
}

/** The changes of one view still held for resumes. */
interface ViewRing {
  readonly changes: SequencedChange[];
  /** Every change of this view with a sequence above `floor` is in `changes`. */
  floor: number;
}

type Subscriber = (change: SequencedChange) => void;

/**
 * Numbers every committed view change and keeps the latest of each view for resumes. It listens to the
 * store's own ViewStore and to the view writer of every pipeline that has written a view (each ViewStore
 * tells only the commits made through it); `refresh()` picks up pipelines that appeared since.
 */
export class ViewChangeHub {
  private seq: number;
  private readonly start: number;
  private readonly rings = new Map<string, ViewRing>();
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly watched = new Set<string | null>();
  private readonly unsubscribes: Array<() => void> = [];

  constructor(
    private readonly store: EmbeddedStore,
    startSeq: number,
    private readonly capacity = 10_000,
  ) {
    // Sequences start from the clock (ms × 1000) so an id from an earlier process is below this one's.
    this.seq = startSeq;
    this.start = startSeq;
    this.watch(null);
    this.refresh();
  }

  /** The sequence of the latest change (or the starting point). */
  get current(): number {
    return this.seq;
  }

  /** Starts listening to the view writers of pipelines that wrote a view since the last call. */
  refresh(): void {
    for (const info of this.store.views.views()) {
      if (info.pipeline !== null) this.watch(info.pipeline);
    }
  }

  /** Calls `fn` with each later change of `view`; returns a function that stops it. */
  subscribe(view: string, fn: Subscriber): () => void {
    let set = this.subscribers.get(view);
    if (set === undefined) this.subscribers.set(view, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.subscribers.get(view) === set) this.subscribers.delete(view);
    };
  }

  /** The changes of `view` after `lastId`, or undefined when some of them are no longer held. */
  changesAfter(view: string, lastId: number): SequencedChange[] | undefined {
    if (!Number.isSafeInteger(lastId) || lastId > this.seq) return undefined;
    const ring = this.rings.get(view);
    const floor = ring?.floor ?? this.start;
    if (lastId < floor) return undefined;
    return ring === undefined ? [] : ring.changes.filter((c) => c.seq > lastId);
  }

  /** Stops listening to the store. */
  close(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.subscribers.clear();
  }

  private watch(pipeline: string | null): void {
    if (this.watched.has(pipeline)) return;
    this.watched.add(pipeline);
    const views = pipeline === null ? this.store.views : this.store.viewWriter(pipeline);
    this.unsubscribes.push(views.onChange((changes) => this.record(changes)));
  }

  private record(changes: readonly ViewChange[]): void {
    for (const change of changes) {
      const seq = ++this.seq;
      const sequenced = { seq, frame: changeFrame(seq, change) };
      let ring = this.rings.get(change.view);
      if (ring === undefined) this.rings.set(change.view, (ring = { changes: [], floor: this.start }));
      ring.changes.push(sequenced);
      if (ring.changes.length > this.capacity) {
        // Dropping in chunks keeps eviction O(1) amortized.
        const dropped = ring.changes.splice(0, Math.max(1, Math.floor(this.capacity / 10)));
        ring.floor = dropped[dropped.length - 1]!.seq;
      }
      const subscribers = this.subscribers.get(change.view);
      if (subscribers !== undefined) for (const fn of subscribers) fn(sequenced);
    }
  }
}

export function registerViewChangesRoute(
  app: FastifyInstance,
  ctx: ServerContext,
  options: ViewChangesOptions = {},
): ViewChangeHub {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxQueuedBytes = options.maxQueuedBytes ?? 8 * 1024 * 1024;
  const hub = new ViewChangeHub(ctx.store, ctx.clock.now() * 1000, options.bufferPerView);
  app.addHook("onClose", async () => hub.close());

  app.get<{ Params: { view: string }; Querystring: Query }>(
    "/v1/views/:view/changes",
    {
      config: {
        permission: (request) => ({ kind: "read", resource: (request.params as { view: string }).view }),
        // An EventSource cannot set headers: the dashboard sends its key as `?key=` (logs redact it).
        keyInQuery: true,
      },
    },
    async (request, reply) => {
      const view = request.params.view;
      const snapshot = enumParam(request.query, "snapshot", ["true", "false"] as const, "false") === "true";
      const lastIdHeader = request.headers["last-event-id"];
      let lastId: number | undefined;
      if (typeof lastIdHeader === "string" && lastIdHeader.trim() !== "") {
        lastId = /^\d{1,16}$/.test(lastIdHeader.trim()) ? Number(lastIdHeader.trim()) : Number.NaN;
      }
      hub.refresh();
      if (!ctx.store.views.views().some((v) => v.name === view)) {
        throw new ApiError(404, "unknown_view", `no view ${JSON.stringify(view)}`);
      }

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      // From here to the subscription nothing yields, so no commit falls between the rows read and the
      // changes sent.
      let out = "retry: 1000\n\n";
      if (lastId !== undefined) {
        const missed = hub.changesAfter(view, lastId);
        if (missed === undefined) {
          out += `id: ${hub.current}\nevent: reset\ndata: ${JSON.stringify({ reason: "changes after Last-Event-ID are no longer buffered" })}\n\n`;
          out += snapshotFrames(ctx.store, view, hub.current);
        } else {
          for (const change of missed) out += change.frame;
        }
      } else if (snapshot) {
        out += snapshotFrames(ctx.store, view, hub.current);
      }
      res.write(out);

      const send = (change: SequencedChange) => {
        if (res.writableLength > maxQueuedBytes) {
          res.destroy();
          return;
        }
        res.write(change.frame);
      };
      const unsubscribe = hub.subscribe(view, send);
      const heartbeat = setInterval(() => res.write(": heartbeat\n\n"), heartbeatMs);
      heartbeat.unref();
      res.on("close", () => {
        clearInterval(heartbeat);
        unsubscribe();
      });
    },
  );
  return hub;
}

/** A change as an SSE frame: `id`, `event: upsert|delete`, `data: {key, value?, updatedAt}`. */
function changeFrame(seq: number, change: ViewChange): string {
  const deleted = change.value === undefined && change.updatedAt === undefined;
  const data = deleted
    ? { key: change.key, updatedAt: change.updatedAt ?? null }
    : { key: change.key, value: change.value, updatedAt: change.updatedAt };
  return `id: ${seq}\nevent: ${deleted ? "delete" : "upsert"}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Every committed row of `view` as `upsert` events, each with the sequence the snapshot was taken at. */
function snapshotFrames(store: EmbeddedStore, view: string, seq: number): string {
  const page = 10_000;
  let out = "";
  for (let offset = 0; ; offset += page) {
    const rows = store.views.list(view, { limit: page, offset });
    for (const row of rows) {
      const data = { key: row.key, value: row.value, updatedAt: row.updatedAt };
      out += `id: ${seq}\nevent: upsert\ndata: ${JSON.stringify(data)}\n\n`;
    }
    if (rows.length < page) return out;
  }
}
