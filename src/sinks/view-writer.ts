/**
 * Where view sinks put their rows: upserts and deletes of (view, key) → row. The embedded store implements it
 * durably (written in the checkpoint's transaction); `MemoryViewStore` keeps views in memory for tests and
 * runs without a data directory.
 */
export interface ViewWriter {
  upsert(view: string, key: string, value: unknown, at: number): void;
  delete(view: string, key: string): void;
}

/** Views in memory, e.g. `job.views.rows("device_stats")`. */
export class MemoryViewStore implements ViewWriter {
  private readonly views = new Map<string, Map<string, unknown>>();

  upsert(view: string, key: string, value: unknown): void {
    let rows = this.views.get(view);
    if (rows === undefined) this.views.set(view, (rows = new Map()));
    rows.set(key, value);
  }

  delete(view: string, key: string): void {
    this.views.get(view)?.delete(key);
  }

  /** The rows of a view, by key, in the order keys were first written. */
  rows(view: string): Map<string, unknown> {
    return this.views.get(view) ?? new Map();
  }

  /** The names of the views written so far. */
  names(): string[] {
    return [...this.views.keys()];
  }
}
