/**
 * Limits every ingested record must keep before it is validated: a nesting depth, a size in bytes (as JSON),
 * and finite numbers only (JSON like `1e400` parses to Infinity, which no log can store faithfully). A record
 * over a limit is rejected with a reason, like any invalid record; it never reaches the log.
 */

export interface RecordLimits {
  /** Deepest nesting of objects and arrays; the record itself is depth 1 (default 32). */
  readonly maxDepth: number;
  /** Largest record, as UTF-8 JSON (default 1 MiB). */
  readonly maxRecordBytes: number;
}

export const DEFAULT_RECORD_LIMITS: RecordLimits = { maxDepth: 32, maxRecordBytes: 1024 * 1024 };

/**
 * Why a record breaks a limit, or undefined when it keeps them all; its size is `sentBytes` when known (an
 * NDJSON line's length), else that of its JSON, e.g.
 * `checkRecordLimits({ a: [[[1]]] }, { maxDepth: 3, maxRecordBytes: 1e6 })` → "/a/0/0: nested deeper than 3 levels".
 */
export function checkRecordLimits(
  record: unknown,
  limits: RecordLimits,
  sentBytes?: number,
): string | undefined {
  const structural = walk(record, "", 1, limits.maxDepth);
  if (structural !== undefined) return structural;
  const bytes = sentBytes ?? Buffer.byteLength(JSON.stringify(record) ?? "");
  if (bytes > limits.maxRecordBytes) {
    return `/: record is ${bytes} bytes, over the limit of ${limits.maxRecordBytes}`;
  }
  return undefined;
}

/** Depth-first; recursion is bounded by maxDepth, so a hostile record cannot exhaust the stack. */
function walk(value: unknown, path: string, depth: number, maxDepth: number): string | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) ? undefined : `${path || "/"}: number out of range`;
  }
  if (typeof value !== "object" || value === null) return undefined;
  if (depth > maxDepth) return `${path || "/"}: nested deeper than ${maxDepth} levels`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const reason = walk(value[i], `${path}/${i}`, depth + 1, maxDepth);
      if (reason !== undefined) return reason;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const reason = walk((value as Record<string, unknown>)[key], `${path}/${key}`, depth + 1, maxDepth);
    if (reason !== undefined) return reason;
  }
  return undefined;
}
