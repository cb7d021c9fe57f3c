/**
 * `POST /v1/dlq/replay` (admin): sends dead letters back through a stream's ingest path after a fix, e.g.
 * `{ "stream": "readings", "reason": "invalid" }` or `{ "ids": [4, 9] }`. Each selected entry goes to the
 * request's `stream`, else its origin stream: limits, cleansing, the schema, the PII policies, then one durable
 * append per stream, exactly like an ingest request. Accepted entries are marked replayed (kept, with where
 * they went), so replaying them again is a no-op reported in `errors`; entries that fail again stay as they
 * are and are not dead-lettered a second time.
 */
import type { FastifyInstance } from "fastify";
import type { DeadLetterReason } from "../runtime/dead-letter.js";
import type { DeadLetterRef, StoredDeadLetter } from "../store/index.js";
import { ApiError } from "./api-error.js";
import { checkRecordLimits } from "./record-limits.js";
import type { ServerContext } from "./server-context.js";

export const DEFAULT_REPLAY_LIMIT = 1000;
export const MAX_REPLAY_LIMIT = 10_000;
const MAX_REPLAY_BODY_BYTES = 1024 * 1024;
const REASONS: readonly DeadLetterReason[] = ["invalid", "late", "failed"];
const FIELDS = new Set(["ids", "stream", "reason", "limit"]);

/** The request body. */
export interface ReplayRequest {
  /** These entries (at most 10,000), whatever their stream. */
  readonly ids?: readonly number[];
  /** The target stream; without `ids`, also the selection: entries from it not yet replayed. */
  readonly stream?: string;
  readonly reason?: DeadLetterReason;
  /** Most entries selected by `stream` (default 1,000, at most 10,000). */
  readonly limit?: number;
}

/** The reply: `selected` = `accepted` + `rejected`; `errors` has one line per rejected entry. */
export interface ReplayReply {
  readonly selected: number;
  readonly accepted: number;
  readonly rejected: number;
  /** The first and last offset appended (in append order), null when nothing was. */
  readonly offsets: { readonly first: number; readonly last: number } | null;
  readonly errors: Array<{ readonly id: number; readonly reason: string }>;
}

export function registerDlqReplayRoute(app: FastifyInstance, ctx: ServerContext): void {
  // A scope of its own: the server's JSON parser is the ingest one (records); this route reads one object.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      "application/json",
      { parseAs: "string", bodyLimit: MAX_REPLAY_BODY_BYTES },
      (_request, body, done) => {
        try {
          done(null, JSON.parse(body as string));
        } catch {
          done(new ApiError(400, "malformed_json", "the body is not valid JSON"), undefined);
        }
      },
    );
    scope.post(
      "/v1/dlq/replay",
      { config: { permission: () => ({ kind: "admin" }), audit: "dlq.replay" } },
      async (request) => {
        const replay = parseReplayRequest(request.body, ctx);
        const reply = replayDeadLetters(ctx, replay);
        request.audit = {
          target: replay.ids !== undefined ? `ids:${replay.ids.join(",")}` : (replay.stream ?? null),
          counts: { selected: reply.selected, accepted: reply.accepted, rejected: reply.rejected },
        };
        return reply;
      },
    );
  });
}

/**
 * Replays the selected entries; synchronous, so two replays never interleave and a retry finds the entries
 * already marked, e.g. `replayDeadLetters(ctx, { stream: "readings", reason: "invalid" })`.
 */
export function replayDeadLetters(ctx: ServerContext, request: ReplayRequest): ReplayReply {
  const ledger = ctx.store.deadLetters();
  const errors: Array<{ id: number; reason: string }> = [];
  let entries: StoredDeadLetter[];
  if (request.ids !== undefined) {
    entries = [];
    for (const id of [...new Set(request.ids)].sort((a, b) => a - b)) {
      const entry = ledger.get(id);
      if (entry === undefined) errors.push({ id, reason: "no such dead letter" });
      else entries.push(entry);
    }
  } else {
    entries = ledger.list({
      stream: request.stream!,
      replayed: false,
      ...(request.reason === undefined ? {} : { reason: request.reason }),
      limit: request.limit ?? DEFAULT_REPLAY_LIMIT,
    });
  }
  const selected = errors.length + entries.length;

  const byStream = new Map<
    string,
    { refs: DeadLetterRef[]; records: unknown[]; eventTimes: (number | null)[] }
  >();
  for (const entry of entries) {
    const logged = entry.replayedAt === undefined ? ctx.store.replays.find(entry) : undefined;
    if (logged !== undefined) {
      // Appended by a replay whose ledger mark a crash (or a failed state.db commit) lost: mark it now.
      ledger.markReplayed(entry.id, logged.at, logged.stream, logged.offset);
      errors.push({ id: entry.id, reason: alreadyReplayed(logged.at, logged) });
      continue;
    }
    const refusal = replayRefusal(entry, request);
    if (refusal !== undefined) {
      errors.push({ id: entry.id, reason: refusal });
      continue;
    }
    const target = (request.stream ?? entry.origin?.stream)!;
    const stream = ctx.streams.get(target);
    if (stream === undefined) {
      errors.push({ id: entry.id, reason: `stream ${JSON.stringify(target)} is not declared` });
      continue;
    }
    const record = entry.record;
    const protector = ctx.protectors.get(target);
    const lost = lostFieldOfFailure(entry, protector?.irreversiblePaths ?? []);
    if (lost !== undefined) {
      errors.push({
        id: entry.id,
        reason: `rejected for ${lost}, whose original value a PII policy removed: it cannot be checked again`,
      });
      continue;
    }
    protector?.revealForReplay(record);
    const limit = checkRecordLimits(record, ctx.recordLimits);
    const result =
      limit !== undefined
        ? { ok: false as const, reason: limit.reason }
        : stream.validateReplayed(record, protector?.irreversiblePaths ?? []);
    if (!result.ok) {
      errors.push({ id: entry.id, reason: result.reason });
      continue;
    }
    protector?.protectReplayed(result.record);
    let group = byStream.get(target);
    if (group === undefined) {
      group = { refs: [], records: [], eventTimes: [] };
      byStream.set(target, group);
    }
    group.refs.push({ id: entry.id, at: entry.at });
    group.records.push(result.record);
    group.eventTimes.push(result.eventTime);
  }

  const now = ctx.clock.now();
  let offsets = null as ReplayReply["offsets"];
  let accepted = 0;
  for (const [target, group] of byStream) {
    // The append and its marks commit together in log.db; the ledger's marks in state.db follow. A crash in
    // between leaves the ledger behind, which the store repairs when it opens (and the check above before).
    const range = ctx.store.replays.append(target, group.refs, group.records, group.eventTimes, now);
    ctx.store.stateDb
      .transaction(() => {
        for (let i = 0; i < group.refs.length; i++)
          ledger.markReplayed(group.refs[i]!.id, now, target, range.first + i);
      })
      .immediate();
    offsets = { first: offsets?.first ?? range.first, last: range.last };
    accepted += group.refs.length;
    ctx.metrics.ingestRecords.inc({ stream: target, result: "accepted" }, group.refs.length);
  }
  errors.sort((a, b) => a.id - b.id);
  return { selected, accepted, rejected: selected - accepted, offsets, errors };
}

/** E.g. "already replayed at 2026-11-26T10:00:00.000Z into readings at offset 41". */
function alreadyReplayed(at: number, to: { stream: string; offset: number } | undefined): string {
  const where = to === undefined ? "" : ` into ${to.stream} at offset ${to.offset}`;
  return `already replayed at ${new Date(at).toISOString()}${where}`;
}

/** Why an entry cannot be replayed before its record is even looked at, or undefined. */
function replayRefusal(entry: StoredDeadLetter, request: ReplayRequest): string | undefined {
  if (entry.replayedAt !== undefined) return alreadyReplayed(entry.replayedAt, entry.replayedTo);

  if (request.reason !== undefined && entry.reason !== request.reason) {
    return `its reason is ${entry.reason}, not ${request.reason}`;
  }
  if (request.stream === undefined && entry.origin === undefined) return "no origin stream; pass stream";
  return undefined;
}

/**
 * The field an entry was rejected for (`/card/number` from `record 3: /card/number: must match pattern ...`)
 * when it is one of `irreversible` (hashed, masked or dropped): replaying cannot fix such a rejection.
 */
function lostFieldOfFailure(entry: StoredDeadLetter, irreversible: readonly string[]): string | undefined {
  if (irreversible.length === 0 || entry.error === undefined) return undefined;
  const pointer = /^record \d+: (\/[^:\s]*):/.exec(entry.error)?.[1];
  if (pointer === undefined) return undefined;
  const at = pointer
    .split("/")
    .slice(1)
    .filter((segment) => !/^\d+$/.test(segment));
  const lost = irreversible.some((path) => {
    const segments = path.split(".");
    return segments.length <= at.length && segments.every((segment, i) => at[i] === segment);
  });
  return lost ? pointer : undefined;
}

/** The body checked against the contract: 400 `bad_request` naming the field, 404 for an unknown stream. */
function parseReplayRequest(body: unknown, ctx: ServerContext): ReplayRequest {
  const bad = (message: string, field?: string) =>
    new ApiError(400, "bad_request", message, field === undefined ? undefined : { field });
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw bad('the body must be a JSON object, e.g. {"stream": "readings", "reason": "invalid"}');
  }
  const b = body as Record<string, unknown>;
  for (const field of Object.keys(b)) {
    if (!FIELDS.has(field))
      throw bad(`unknown field ${JSON.stringify(field)}: use ids, stream, reason, limit`, field);
  }
  const { ids, stream, reason, limit } = b;
  if (ids !== undefined) {
    if (
      !Array.isArray(ids) ||
      ids.length === 0 ||
      ids.length > MAX_REPLAY_LIMIT ||
      !ids.every((id) => Number.isSafeInteger(id) && (id as number) > 0)
    ) {
      throw bad(
        `ids must be an array of 1 to ${MAX_REPLAY_LIMIT} dead-letter ids (positive integers)`,
        "ids",
      );
    }
  }
  if (stream !== undefined) {
    if (typeof stream !== "string" || stream === "") throw bad("stream must be a stream name", "stream");
    if (!ctx.streams.has(stream)) {
      throw new ApiError(404, "unknown_stream", `no stream ${JSON.stringify(stream)}`, {
        streams: [...ctx.streams.keys()],
      });
    }
  }
  if (reason !== undefined && !REASONS.includes(reason as DeadLetterReason)) {
    throw bad(`reason must be one of ${REASONS.join(", ")}`, "reason");
  }
  if (
    limit !== undefined &&
    !(Number.isSafeInteger(limit) && (limit as number) >= 1 && (limit as number) <= MAX_REPLAY_LIMIT)
  ) {
    throw bad(`limit must be an integer from 1 to ${MAX_REPLAY_LIMIT}`, "limit");
  }
  if (ids === undefined && stream === undefined) {
    throw bad('pass ids or stream, e.g. {"stream": "readings", "reason": "invalid"}');
  }
  return {
    ...(ids === undefined ? {} : { ids: ids as number[] }),
    ...(stream === undefined ? {} : { stream: stream as string }),
    ...(reason === undefined ? {} : { reason: reason as DeadLetterReason }),
    ...(limit === undefined ? {} : { limit: limit as number }),
  };
}
