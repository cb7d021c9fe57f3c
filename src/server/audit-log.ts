/**
 * The audit log of admin actions: one row per request to an admin route (dead-letter reads and replays, the
 * audit log itself) and per SQL query, refused ones included, in the table `audit_log` of state.db. A row says
 * when, which key (its name or fingerprint, never the key), what action on which route and target, the
 * status answered and counts (entries read, records replayed). `GET /v1/audit` reads it.
 */
import type Database from "better-sqlite3";

/** What a route tells the audit log about a request, e.g. `{ target: "readings", counts: { selected: 3 } }`. */
export interface AuditNote {
  /** What the action was about: a stream, entry ids, the SQL text (first 1,000 characters). */
  target?: string | null;
  counts?: Record<string, number>;
}

/** An entry to append. */
export interface AuditEvent {
  readonly at: number;
  /** The key's name or fingerprint (`ApiKeySpec.name`, else `sha256:<first 12 hex digits>`); null: no valid key. */
  readonly keyId: string | null;
  /** E.g. `dlq.read`, `dlq.replay`, `query`, `audit.read`. */
  readonly action: string;
  readonly method: string;
  /** The path, without the query string. */
  readonly route: string;
  readonly target: string | null;
  /** The HTTP status answered. */
  readonly status: number;
  readonly counts: Record<string, number>;
}

/** An entry as stored. */
export interface AuditEntry extends AuditEvent {
  /** Increasing in the order entries were written; never reused. */
  readonly id: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  key_id TEXT,
  action TEXT NOT NULL,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  target TEXT,
  status INTEGER NOT NULL,
  counts TEXT NOT NULL
)`;

const MAX_TARGET = 1000;

type Row = [number, number, string | null, string, string, string, string | null, number, string];

/** The audit log over state.db, e.g. `new AuditLog(store.stateDb).append({ at, keyId, action, ... })`. */
export class AuditLog {
  private readonly insert: Database.Statement;
  private readonly page: Database.Statement;

  constructor(db: Database.Database) {
    db.exec(SCHEMA);
    this.insert = db.prepare(
      "INSERT INTO audit_log (at, key_id, action, method, route, target, status, counts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.page = db
      .prepare(
        "SELECT id, at, key_id, action, method, route, target, status, counts FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
      )
      .raw(true);
  }

  /** Appends an entry (committed at once) and returns it with its id. */
  append(event: AuditEvent): AuditEntry {
    const target = event.target === null ? null : event.target.slice(0, MAX_TARGET);
    const id = Number(
      this.insert.run(
        event.at,
        event.keyId,
        event.action,
        event.method,
        event.route,
        target,
        event.status,
        JSON.stringify(event.counts),
      ).lastInsertRowid,
    );
    return { id, ...event, target };
  }

  /** Entries after `afterId` (default: from the first), oldest first, e.g. `audit.list({ limit: 100 })`. */
  list(options: { afterId?: number; limit?: number } = {}): AuditEntry[] {
    const rows = this.page.all(options.afterId ?? 0, options.limit ?? 100) as Row[];
    return rows.map(([id, at, keyId, action, method, route, target, status, counts]) => ({
      id,
      at,
      keyId,
      action,
      method,
      route,
      target,
      status,
      counts: JSON.parse(counts) as Record<string, number>,
    }));
  }
}
