/**
 * A materialized view as a sink: each record upserts the row of its key. Rows of window results are keyed by
 * key and window, so every window has its row and an update replaces it. In a durable run the rows are
 * written in the same transaction as the checkpoint that covers them: exactly-once, and readers never see
 * rows from beyond the last checkpoint.
 */
import type { Sink, SinkContext } from "./sink.js";
import type { ViewWriter } from "./view-writer.js";

export interface ViewOptions<T> {
  /** The row key (default: `key|windowStart|windowEnd` for window results, else the record's `key` or `id` field). */
  readonly key?: (row: T) => string;
  /** Records for which this returns true delete their key's row instead. */
  readonly isDelete?: (row: T) => boolean;
}

const VIEW_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The default row key: key and window for window results, else the `key` or `id` field as JSON. */
export function defaultViewKey(row: unknown): string {
  const r = row as Record<string, unknown>;
  if (r !== null && typeof r === "object") {
    if ("windowStart" in r && "windowEnd" in r)
      return `${JSON.stringify(r.key ?? null)}|${r.windowStart}|${r.windowEnd}`;
    if ("key" in r) return JSON.stringify(r.key);
    if ("id" in r) return JSON.stringify(r.id);
  }
  return JSON.stringify(row);
}

export class ViewSink<T> implements Sink<T> {
  readonly kind = "view";
  private writer: ViewWriter | undefined;
  private readonly keyOf: (row: T) => string;

  constructor(
    readonly name: string,
    private readonly options: ViewOptions<T> = {},
  ) {
    if (!VIEW_NAME.test(name)) {
      throw new RangeError(
        `view name ${JSON.stringify(name)} must be letters, digits and "_" (it is a SQL table name)`,
      );
    }
    this.keyOf = options.key ?? defaultViewKey;
  }

  open(context: SinkContext): void {
    this.writer = context.views;
  }

  write(items: readonly T[], times: readonly number[]): void {
    const writer = this.writer!;
    const isDelete = this.options.isDelete;
    for (let i = 0; i < items.length; i++) {
      const row = items[i]!;
      const key = this.keyOf(row);
      if (isDelete?.(row)) writer.delete(this.name, key);
      else writer.upsert(this.name, key, row, times[i]!);
    }
  }
}

/** A queryable materialized view, e.g. `stats.to(view("device_stats"))`. */
export function view<T>(name: string, options: ViewOptions<T> = {}): ViewSink<T> {
  return new ViewSink<T>(name, options);
}
