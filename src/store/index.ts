/**
 * The embedded store: SQLite (better-sqlite3, WAL mode) under one data directory, in two files so ingestion
 * never waits on processing. `log.db` holds the stream logs, appended by ingestion and acknowledged once
 * committed; `state.db` holds what the processor writes: checkpoint manifests and step snapshots, keyed
 * state, materialized views and the dead-letter ledger. A checkpoint is one SQLite transaction over
 * state.db that writes the source offsets, the state that changed, the view rows and the dead letters
 * produced up to its barrier, so after a kill -9 a job resumes from it with nothing lost and nothing
 * doubled. `durability: "process"` survives kill -9 of the process; `"machine"` also survives power loss.
 */
import type Database from "better-sqlite3";
import {
  CheckpointStore,
  type CheckpointToCommit,
  type CommitParticipant,
  type CommitResult,
  type StoredCheckpoint,
} from "./checkpoint-store.js";
import { SqliteDeadLetterLedger } from "./dead-letter-ledger.js";
import { DeadLetterReplays } from "./dead-letter-replays.js";
import { type Durability, openDatabase, storePaths } from "./sqlite-database.js";
import { SqliteStateBackend } from "./sqlite-state-backend.js";
import { StreamLog } from "./stream-log.js";
import { ViewStore } from "./view-store.js";
import { WalCheckpointer } from "./wal-checkpointer.js";

export * from "./checkpoint-store.js";
export * from "./dead-letter-ledger.js";
export * from "./dead-letter-replays.js";
export { canonicalJson, decodeJson, encodeJson } from "./json-codec.js";
export { streamRecordsSql } from "./log-batch.js";
export * from "./sqlite-database.js";
export * from "./sqlite-state-backend.js";
export * from "./stream-log.js";
export * from "./view-store.js";

export interface EmbeddedStoreOptions {
  /** Default `process`: an acknowledged write survives kill -9; `machine`: also power loss (slower). */
  readonly durability?: Durability;
}

/** What one pipeline writes through, each with its own buffer of uncommitted writes. */
interface PipelineWriters {
  readonly state: SqliteStateBackend;
  readonly views: ViewStore;
  readonly deadLetters: SqliteDeadLetterLedger;
}

/**
 * Both files of a data directory, opened, e.g. `const store = new EmbeddedStore("./data")`; then
 * `store.log.append(...)` at ingestion and `store.commitCheckpoint("iot", checkpoint, clock.now())` at each
 * checkpoint of pipeline "iot".
 */
export class EmbeddedStore {
  readonly dir: string;
  readonly durability: Durability;
  /** log.db: ingestion's connection. */
  readonly logDb: Database.Database;
  /** state.db: the processor's connection. */
  readonly stateDb: Database.Database;
  readonly log: StreamLog;
  /** Which dead letters were replayed where, written with the replay's append (see dead-letter-replays.ts). */
  readonly replays: DeadLetterReplays;
  readonly checkpoints: CheckpointStore;
  /** Reads of every view (and writes, for a single writer; pipelines write through `viewWriter`). */
  readonly views: ViewStore;
  private readonly pipelines = new Map<string, PipelineWriters>();
  private ingestionLedger: SqliteDeadLetterLedger | undefined;
  /** Move each file's WAL into the file off the event loop (log.db: appends; state.db: checkpoint commits). */
  private readonly logCheckpointer: WalCheckpointer;
  private readonly stateCheckpointer: WalCheckpointer;

  constructor(dir: string, options: EmbeddedStoreOptions = {}) {
    this.dir = dir;
    this.durability = options.durability ?? "process";
    const paths = storePaths(dir);
    this.logDb = openDatabase(paths.log, this.durability);
    try {
      this.stateDb = openDatabase(paths.state, this.durability);
    } catch (error) {
      this.logDb.close();
      throw error;
    }
    this.log = new StreamLog(this.logDb);
    this.replays = new DeadLetterReplays(this.logDb, this.log);
    this.logCheckpointer = new WalCheckpointer(this.logDb, this.durability);
    this.stateCheckpointer = new WalCheckpointer(this.stateDb, this.durability);
    this.checkpoints = new CheckpointStore(this.stateDb);
    this.views = new ViewStore(this.stateDb);
    this.deadLetters(); // creates the ledger's table, so replays a crash left unmarked can be marked now
    DeadLetterReplays.adoptInto(this.stateDb, paths.log);
  }

  /**
   * The dead-letter ledger of a pipeline (buffered until its checkpoints commit), or with no pipeline the
   * ingestion ledger (use `writeNow`); any of them reads every entry. E.g. `store.deadLetters("iot")`.
   */
  deadLetters(pipeline?: string): SqliteDeadLetterLedger {
    if (pipeline !== undefined) return this.writers(pipeline).deadLetters;
    return (this.ingestionLedger ??= new SqliteDeadLetterLedger(this.stateDb));
  }

  /** The durable state backend of a pipeline, loaded with its last committed state, e.g. `store.stateBackend("iot")`. */
  stateBackend(pipeline: string): SqliteStateBackend {
    return this.writers(pipeline).state;
  }

  /** The view writer of a pipeline: a ViewStore whose buffer its checkpoints commit, e.g. as `SinkContext.views`. */
  viewWriter(pipeline: string): ViewStore {
    return this.writers(pipeline).views;
  }

  /**
   * Commits a checkpoint of a pipeline together with its state changes, view rows and dead letters (plus any
   * `extra` participants), in one transaction, e.g. `store.commitCheckpoint("iot", { id, sources, steps }, now)`.
   */
  commitCheckpoint(
    pipeline: string,
    checkpoint: CheckpointToCommit,
    createdAt: number,
    extra: readonly CommitParticipant[] = [],
  ): CommitResult {
    const w = this.writers(pipeline);
    const participants = [
      w.state.commitParticipant,
      w.views.commitParticipant,
      w.deadLetters.commitParticipant,
      ...extra,
    ];
    return this.checkpoints.commit(pipeline, checkpoint, participants, createdAt);
  }

  /**
   * Prepares a pipeline to resume: drops its uncommitted state changes, view rows and dead letters, reloads
   * its state from the file, and returns its last checkpoint (undefined: start from scratch).
   */
  recover(pipeline: string): StoredCheckpoint | undefined {
    const w = this.writers(pipeline);
    w.state.reload();
    w.views.discardPending();
    w.deadLetters.discardPending();
    return this.checkpoints.latest(pipeline);
  }

  /**
   * Makes a pipeline start over: deletes its checkpoint, step snapshots, keyed state, the views it owns and
   * its dead letters (one transaction), and drops its uncommitted writes, e.g. for a fresh run.
   */
  resetPipeline(pipeline: string): void {
    const w = this.writers(pipeline);
    this.stateDb
      .transaction(() => {
        this.checkpoints.clear(pipeline);
        this.views.clearPipeline(pipeline);
        w.deadLetters.clear({ pipeline });
      })
      .immediate();
    w.state.reload();
    w.views.discardPending();
    w.deadLetters.discardPending();
  }

  /** Closes both files (after a final checkpoint; buffered writes are not committed). */
  close(): void {
    this.pipelines.clear();
    this.logCheckpointer.close();
    this.stateCheckpointer.close();
    this.logDb.close();
    this.stateDb.close();
  }

  private writers(pipeline: string): PipelineWriters {
    let w = this.pipelines.get(pipeline);
    if (w === undefined) {
      w = {
        state: new SqliteStateBackend(this.stateDb, pipeline),
        views: new ViewStore(this.stateDb, { pipeline }),
        deadLetters: new SqliteDeadLetterLedger(this.stateDb, { pipeline }),
      };
      this.pipelines.set(pipeline, w);
    }
    return w;
  }
}
export * from "./retention.js";
