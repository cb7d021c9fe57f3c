/**
 * The rows of one view as the page knows them (loaded, then kept current by its changes), and what kind of
 * display suits them: an alert feed (the view's name ends with `alerts`), top-N bars (rows have a `rank`), a
 * time series (rows have `windowStart`/`windowEnd` and numeric fields) or a plain table.
 */
import type { ViewRow } from "../api-types.js";

export type ViewKind = "alerts" | "top-n" | "time-series" | "table";

/** Fields that place a row rather than measure something. */
const PLACEMENT_FIELDS = new Set(["windowStart", "windowEnd", "rank"]);

export class ViewRows {
  private readonly rows = new Map<string, ViewRow>();

  /** Adds or replaces a row; an older version than the one held is ignored. */
  upsert(row: ViewRow): void {
    const held = this.rows.get(row.key);
    if (held !== undefined && held.updatedAt > row.updatedAt) return;
    this.rows.set(row.key, row);
  }

  delete(key: string): void {
    this.rows.delete(key);
  }

  clear(): void {
    this.rows.clear();
  }

  get size(): number {
    return this.rows.size;
  }

  /** Every row, most recently updated first. */
  newestFirst(): ViewRow[] {
    return [...this.rows.values()].sort((a, b) => b.updatedAt - a.updatedAt);
  }
}

/** The value of a row as a record of fields (a scalar value becomes `{ value }`). */
export function fieldsOf(row: ViewRow): Record<string, unknown> {
  const value = row.value;
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : { value };
}

/** The display for a view named `view` with these rows. */
export function viewKind(view: string, rows: readonly ViewRow[]): ViewKind {
  if (/alerts$/i.test(view)) return "alerts";
  const sample = rows.slice(0, 50).map(fieldsOf);
  if (sample.some((f) => typeof f.rank === "number")) return "top-n";
  if (
    sample.some(
      (f) =>
        typeof f.windowStart === "number" && typeof f.windowEnd === "number" && measureFields([f]).length > 0,
    )
  ) {
    return "time-series";
  }
  return "table";
}

/** The numeric fields of rows that measure something (not the window bounds or the rank), in first-seen order. */
export function measureFields(rows: ReadonlyArray<Record<string, unknown>>): string[] {
  const fields: string[] = [];
  for (const fieldsOfRow of rows) {
    for (const [name, value] of Object.entries(fieldsOfRow)) {
      if (typeof value === "number" && !PLACEMENT_FIELDS.has(name) && !fields.includes(name))
        fields.push(name);
    }
  }
  return fields;
}

/** The series a row belongs to: its `key` field when it has one, else its row key. */
export function seriesKeyOf(row: ViewRow): string {
  const key = fieldsOf(row).key;
  if (key === undefined) return row.key;
  return typeof key === "string" ? key : JSON.stringify(key);
}

/** Renders rows of one kind; `update` is called with every row, newest first, after changes. */
export interface ViewDisplay {
  readonly element: HTMLElement;
  update(rows: readonly ViewRow[]): void;
  dispose(): void;
}
