/**
 * Replies to ingest requests that carried an `Idempotency-Key`, per stream: a bounded in-memory LRU in front
 * of a small table in log.db, so a retry gets the first reply (and appends nothing) even after a restart.
 * Keys expire after `ttlMs` (default 24 h); expired rows are pruned as new ones are written.
 *
 * The reply is written in the same transaction as the records it acknowledges (`persist` inside the append's
 * transaction, then `rememberCommitted`), so a crash keeps both or neither: a retry never appends twice.
 * Older data directories kept the table in state.db; its rows are moved over when the store opens.
 */
import type Database from "better-sqlite3";

/** A reply as sent: its status and JSON body. */
export interface StoredReply {
  readonly status: number;
  readonly body: unknown;
}

export interface IdempotencyStoreOptions {
  /** Replies kept in memory (default 10,000). */
  readonly capacity?: number;
  /** How long a key is remembered (default 24 h). */
  readonly ttlMs?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ingest_idempotency (
  stream TEXT NOT NULL,
  key TEXT NOT NULL,
  status INTEGER NOT NULL,
  reply TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (stream, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ingest_idempotency_created ON ingest_idempotency (created_at);`;

/** Writes between prunes of expired rows. */
const PRUNE_EVERY = 1000;

interface CachedReply extends StoredReply {
  readonly createdAt: number;
}

/** E.g. `const replies = new IdempotencyStore(store.stateDb)`; `replies.get("clicks", key, now)`. */
export class IdempotencyStore {
  private readonly cache = new Map<string, CachedReply>();
  private readonly capacity: number;
  private readonly ttlMs: number;
  private readonly select: Database.Statement<
    [string, string],
    { status: number; reply: string; created_at: number }
  >;
  private readonly insert: Database.Statement;
  private readonly prune: Database.Statement;
  private writes = 0;

  constructor(db: Database.Database, options: IdempotencyStoreOptions = {}, formerDb?: Database.Database) {
    this.capacity = options.capacity ?? 10_000;
    this.ttlMs = options.ttlMs ?? 24 * 3_600_000;
    db.exec(SCHEMA);
    if (formerDb !== undefined) moveFormerReplies(formerDb, db);
    this.select = db.prepare(
      "SELECT status, reply, created_at FROM ingest_idempotency WHERE stream = ? AND key = ?",
    );
    this.insert = db.prepare(
      "INSERT OR REPLACE INTO ingest_idempotency (stream, key, status, reply, created_at) VALUES (?, ?, ?, ?, ?)",
    );
    this.prune = db.prepare("DELETE FROM ingest_idempotency WHERE created_at < ?");
  }

  /** The first reply to `key` on `stream`, if it has not expired by `now`. */
  get(stream: string, key: string, now: number): StoredReply | undefined {
    const id = cacheKey(stream, key);
    let hit = this.cache.get(id);
    if (hit === undefined) {
      const row = this.select.get(stream, key);
      if (row === undefined) return undefined;
      hit = { status: row.status, body: JSON.parse(row.reply), createdAt: row.created_at };
    }
    if (hit.createdAt < now - this.ttlMs) {
      this.cache.delete(id);
      return undefined;
    }
    this.remember(id, hit);
    return { status: hit.status, body: hit.body };
  }

  /** Writes the reply's row, e.g. inside the transaction that appends the records it acknowledges. */
  persist(stream: string, key: string, reply: StoredReply, now: number): void {
    this.insert.run(stream, key, reply.status, JSON.stringify(reply.body), now);
    if (++this.writes % PRUNE_EVERY === 0) this.prune.run(now - this.ttlMs);
  }

  /** Caches a reply once the transaction that persisted it has committed. */
  rememberCommitted(stream: string, key: string, reply: StoredReply, now: number): void {
    this.remember(cacheKey(stream, key), { ...reply, createdAt: now });
  }

  private remember(id: string, reply: CachedReply): void {
    this.cache.delete(id);
    this.cache.set(id, reply);
    if (this.cache.size > this.capacity) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
  }
}

/** Moves the replies an older version kept in state.db into log.db, once. */
function moveFormerReplies(from: Database.Database, to: Database.Database): void {
  const exists = from
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ingest_idempotency'")
    .get();
  if (exists === undefined) return;
  const rows = from
    .prepare("SELECT stream, key, status, reply, created_at FROM ingest_idempotency")
    .all() as Array<{ stream: string; key: string; status: number; reply: string; created_at: number }>;
  const insert = to.prepare(
    "INSERT OR IGNORE INTO ingest_idempotency (stream, key, status, reply, created_at) VALUES (?, ?, ?, ?, ?)",
  );
  to.transaction(() => {
    for (const r of rows) insert.run(r.stream, r.key, r.status, r.reply, r.created_at);
  })();
  from.exec("DROP TABLE ingest_idempotency");
}

function cacheKey(stream: string, key: string): string {
  return `${stream}\u0000${key}`;
}
