/**
 * Limits every ingested record must keep before it is validated: a nesting depth, a size in bytes (as JSON),
 * and finite numbers only (JSON like `1e400` parses to Infinity, which no log can store faithfully). A record
 * over a limit is rejected with a reason, like any invalid record; it never reaches the log. One nested too
 * deep is dead-lettered as a placeholder (`TOO_DEEP_RECORD`): serialising it could exhaust the stack.
 */

export interface RecordLimits {
  /** Deepest nesting of objects and arrays; the record itself is depth 1 (default 32). */
  readonly maxDepth: number;
  /** Largest record, as UTF-8 JSON (default 1 MiB). */
  readonly maxRecordBytes: number;
}

export const DEFAULT_RECORD_LIMITS: RecordLimits = { maxDepth: 32, maxRecordBytes: 1024 * 1024 };

/** A record over a limit: why, and whether it is too deep to be stored (or even serialised) as it is. */
export interface RecordLimitBreach {
  readonly reason: string;
  readonly tooDeep: boolean;
}

/** What the dead-letter ledger keeps of a record nested deeper than the limit. */
export const TOO_DEEP_RECORD = Object.freeze({
  withheld: "the record nests deeper than the server's limit, so it is not stored",
});

/**
 * Why a record breaks a limit, or undefined when it keeps them all; its size is `sentBytes` when known (an
 * NDJSON line's length), else that of its JSON, e.g.
 * `checkRecordLimits({ a: [[[1]]] }, { maxDepth: 3, maxRecordBytes: 1e6 })` →
 * `{ reason: "/a/0/0: nested deeper than 3 levels", tooDeep: true }`.
 */
export function checkRecordLimits(
  record: unknown,
  limits: RecordLimits,
  sentBytes?: number,
): RecordLimitBreach | undefined {
  const structural = walk(record, "", 1, limits.maxDepth);
  if (structural !== undefined) return structural;
  const bytes = sentBytes ?? Buffer.byteLength(JSON.stringify(record) ?? "");
  if (bytes > limits.maxRecordBytes) {
    return {
      reason: `/: record is ${bytes} bytes, over the limit of ${limits.maxRecordBytes}`,
      tooDeep: false,
    };
  }
  return undefined;
}

/** Depth-first; recursion is bounded by maxDepth, so a hostile record cannot exhaust the stack. */
function walk(value: unknown, path: string, depth: number, maxDepth: number): RecordLimitBreach | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value)
      ? undefined
      : { reason: `${path || "/"}: number out of range`, tooDeep: false };
  }
  if (typeof value !== "object" || value === null) return undefined;
  if (depth > maxDepth)
    return { reason: `${path || "/"}: nested deeper than ${maxDepth} levels`, tooDeep: true };
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
