/**
 * Checkpoints in state.db: the latest manifest of each pipeline (source positions, completion) and each
 * step's snapshot in its own row. `commit` is ONE transaction that writes the manifest, the step snapshots
 * that changed, and whatever the participants write (keyed state, view rows, dead letters): offsets, state
 * and output commit together or not at all, which is what makes exactly-once.
 *
 * Snapshots are stored with the exact JSON codec (`json-codec.ts`), so NaN and ±Infinity come back as such.
 */
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import { decodeJson, encodeJson } from "./json-codec.js";
import { clearStoredState } from "./sqlite-state-backend.js";

/**
 * Something written in a checkpoint's transaction: a function of the database, which may return the bytes it
 * wrote (counted in `stats`); throwing aborts the commit. Plain `(db) => void` functions qualify; a
 * participant that buffers writes also has `committed` and `rolledBack`, to empty its buffer only once the
 * transaction committed.
 */
export interface CommitParticipant {
  (db: Database.Database): unknown;
  /** Called after the transaction committed. */
  committed?: () => void;
  /** Called after the transaction rolled back, when the participant had been called. */
  rolledBack?: () => void;
}

/** A participant with hooks, e.g. `participant((db) => write(db), { committed: () => buffer.clear() })`. */
export function participant(
  write: (db: Database.Database) => unknown,
  hooks: { committed?: () => void; rolledBack?: () => void },
): CommitParticipant {
  return Object.assign((db: Database.Database) => write(db), hooks);
}

/** What `commit` is given. */
export interface CheckpointToCommit {
  readonly id: number;
  /** Reader position per source step id. */
  readonly sources: Record<string, unknown>;
  /** Snapshot per step id. */
  readonly steps: Record<string, unknown>;
  /** Taken after every source ended and everything fired. */
  readonly completed?: boolean;
}

export interface CheckpointManifest {
  readonly sources: Record<string, unknown>;
  readonly steps: Record<string, unknown>;
  readonly completed: boolean;
}

export interface StoredCheckpoint {
  readonly id: number;
  readonly createdAt: number;
  readonly manifest: CheckpointManifest;
}

/** What one commit wrote. */
export interface CommitResult {
  readonly id: number;
  /** Bytes written: manifest, changed step snapshots, and what participants reported. */
  readonly bytes: number;
  readonly durationMs: number;
  /** Step snapshots written because they changed (or are new). */
  readonly stepsWritten: number;
  /** Step snapshots left as they were because their JSON text did not change. */
  readonly stepsUnchanged: number;
}

/** Per-pipeline commit metrics since the store was opened. */
export interface CheckpointStats {
  readonly commits: number;
  readonly lastId: number | undefined;
  readonly lastDurationMs: number;
  readonly lastBytes: number;
  readonly totalBytes: number;
}

export interface CheckpointStoreOptions {
  /** Milliseconds for commit durations (default `performance.now`): a metric, never logic. */
  readonly stopwatch?: () => number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS checkpoints (
  pipeline TEXT PRIMARY KEY,
  id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  sources TEXT NOT NULL,
  completed INTEGER NOT NULL,
  bytes INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoint_steps (
  pipeline TEXT NOT NULL,
  step TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  UNIQUE (pipeline, step)
);`;

interface ManifestRow {
  id: number;
  created_at: number;
  sources: string;
  completed: number;
}

/** What the last commit of a pipeline left in the file: its id and a digest of each step's snapshot text. */
interface WrittenSteps {
  readonly id: number;
  readonly digests: Map<string, string>;
}

const digest = (text: string): string => createHash("sha256").update(text).digest("base64");

/**
 * The latest checkpoint of each pipeline, committed atomically with its participants, e.g.
 * `checkpoints.commit("iot", { id, sources, steps }, [state.commitParticipant], clock.now())`.
 */
export class CheckpointStore {
  private readonly written = new Map<string, WrittenSteps>();
  private readonly metrics = new Map<string, CheckpointStats>();
  private readonly stopwatch: () => number;
  private readonly manifest: Database.Statement<[string], ManifestRow>;
  private readonly steps: Database.Statement;
  private readonly upsertManifest: Database.Statement;
  private readonly upsertStep: Database.Statement;
  private readonly deleteStep: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    options: CheckpointStoreOptions = {},
  ) {
    db.exec(SCHEMA);
    this.stopwatch = options.stopwatch ?? (() => performance.now());
    this.manifest = db.prepare(
      "SELECT id, created_at, sources, completed FROM checkpoints WHERE pipeline = ?",
    );
    this.steps = db.prepare("SELECT step, snapshot FROM checkpoint_steps WHERE pipeline = ?").raw(true);
    this.upsertManifest = db.prepare(
      `INSERT INTO checkpoints (pipeline, id, created_at, sources, completed, bytes) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (pipeline) DO UPDATE SET id = excluded.id, created_at = excluded.created_at,
         sources = excluded.sources, completed = excluded.completed, bytes = excluded.bytes`,
    );
    this.upsertStep = db.prepare(
      `INSERT INTO checkpoint_steps (pipeline, step, snapshot) VALUES (?, ?, ?)
       ON CONFLICT (pipeline, step) DO UPDATE SET snapshot = excluded.snapshot`,
    );
    this.deleteStep = db.prepare("DELETE FROM checkpoint_steps WHERE pipeline = ? AND step = ?");
  }

  /** The last committed checkpoint of a pipeline, or undefined, e.g. to resume a job after a restart. */
  latest(pipeline: string): StoredCheckpoint | undefined {
    const row = this.manifest.get(pipeline);
    if (row === undefined) return undefined;
    const steps: Record<string, unknown> = {};
    for (const [step, snapshot] of this.steps.all(pipeline) as Array<[string, string]>)
      steps[step] = decodeJson(snapshot);
    return {
      id: row.id,
      createdAt: row.created_at,
      manifest: {
        sources: decodeJson(row.sources) as Record<string, unknown>,
        steps,
        completed: row.completed === 1,
      },
    };
  }

  /**
   * Commits a checkpoint in one transaction: the manifest, every step snapshot whose JSON text changed since
   * the previous checkpoint, and each participant's writes. If anything throws, nothing is written and the
   * error is rethrown.
   */
  commit(
    pipeline: string,
    checkpoint: CheckpointToCommit,
    participants: readonly CommitParticipant[],
    createdAt: number,
  ): CommitResult {
    if (!Number.isSafeInteger(checkpoint.id)) {
      throw new RangeError(`checkpoint of pipeline ${JSON.stringify(pipeline)}: id must be an integer`);
    }
    const started = this.stopwatch();
    const sources = encodeJson(checkpoint.sources);
    const texts = new Map<string, string>();
    const newDigests = new Map<string, string>();
    for (const step of Object.keys(checkpoint.steps)) {
      const text = encodeJson(checkpoint.steps[step]);
      texts.set(step, text);
      newDigests.set(step, digest(text));
    }
    const called: CommitParticipant[] = [];
    let stepsWritten = 0;
    let bytes = 0;
    const write = this.db.transaction(() => {
      const previous = this.writtenSteps(pipeline);
      for (const [step, text] of texts) {
        if (previous.digests.get(step) === newDigests.get(step)) continue;
        this.upsertStep.run(pipeline, step, text);
        stepsWritten++;
        bytes += Buffer.byteLength(text);
      }
      for (const step of previous.digests.keys()) if (!texts.has(step)) this.deleteStep.run(pipeline, step);
      for (const p of participants) {
        called.push(p);
        const wrote = p(this.db);
        if (typeof wrote === "number") bytes += wrote;
      }
      bytes += Buffer.byteLength(sources);
      this.upsertManifest.run(
        pipeline,
        checkpoint.id,
        createdAt,
        sources,
        checkpoint.completed ? 1 : 0,
        bytes,
      );
    });
    try {
      write.immediate();
    } catch (error) {
      this.written.delete(pipeline); // the cache may describe writes that were rolled back
      for (const p of called) p.rolledBack?.();
      throw error;
    }
    this.written.set(pipeline, { id: checkpoint.id, digests: newDigests });
    for (const p of called) {
      try {
        p.committed?.();
      } catch (error) {
        // The checkpoint is committed: a hook's bug must not look like a failed commit.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    const durationMs = this.stopwatch() - started;
    const before = this.stats(pipeline);
    this.metrics.set(pipeline, {
      commits: before.commits + 1,
      lastId: checkpoint.id,
      lastDurationMs: durationMs,
      lastBytes: bytes,
      totalBytes: before.totalBytes + bytes,
    });
    return { id: checkpoint.id, bytes, durationMs, stepsWritten, stepsUnchanged: texts.size - stepsWritten };
  }

  /** Deletes a pipeline's checkpoint, step snapshots and keyed state (views and dead letters have their own). */
  clear(pipeline: string): void {
    this.db
      .transaction(() => {
        this.db.prepare("DELETE FROM checkpoints WHERE pipeline = ?").run(pipeline);
        this.db.prepare("DELETE FROM checkpoint_steps WHERE pipeline = ?").run(pipeline);
        clearStoredState(this.db, pipeline);
      })
      .immediate();
    this.written.delete(pipeline);
    this.metrics.delete(pipeline);
  }

  /** Commit metrics of a pipeline since the store was opened, e.g. for `/metrics`. */
  stats(pipeline: string): CheckpointStats {
    return (
      this.metrics.get(pipeline) ?? {
        commits: 0,
        lastId: undefined,
        lastDurationMs: 0,
        lastBytes: 0,
        totalBytes: 0,
      }
    );
  }

  /** The step digests of the pipeline's stored checkpoint, from the cache when it is of that checkpoint. */
  private writtenSteps(pipeline: string): WrittenSteps {
    const id = this.manifest.get(pipeline)?.id ?? -1;
    const cached = this.written.get(pipeline);
    if (cached !== undefined && cached.id === id) return cached;
    const digests = new Map<string, string>();
    for (const [step, snapshot] of this.steps.all(pipeline) as Array<[string, string]>)
      digests.set(step, digest(snapshot));
    return { id, digests };
  }
}
