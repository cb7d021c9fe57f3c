/**
 * The stateful pipeline the crash test kills: keyed tumbling and session windows, a window join and keyed
 * running totals (process state) over a stream of clicks and purchases, into four views; a few records arrive far too late and go to the
 * dead-letter ledger. The same definition runs in the killed child and in the uninterrupted reference.
 */
import { count, sum } from "../../src/aggregates/index.js";
import type { Source } from "../../src/connectors/source.js";
import { Pipeline } from "../../src/dataflow/pipeline.js";
import { view } from "../../src/sinks/view-sink.js";
import { session, tumbling } from "../../src/windows/window-assigner.js";

export interface CrashEvent {
  seq: number;
  user: string;
  kind: "click" | "purchase";
  amount: number;
  t: number;
}

const BASE_TIME = Date.UTC(2026, 0, 1);

/** Record number `seq` of the test stream: deterministic; every 97th after the first 500 is a minute late. */
export function crashEvent(seq: number): CrashEvent {
  let h = Math.imul(seq + 1, 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  const late = seq > 500 && seq % 97 === 0;
  return {
    seq,
    user: `u${h % 23}`,
    kind: h % 7 === 0 ? "purchase" : "click",
    amount: h % 1000,
    t: BASE_TIME + seq * 10 + ((h >>> 8) % 1500) - (late ? 60_000 : 0),
  };
}

export const CRASH_VIEWS = ["crash_tumbling", "crash_sessions", "crash_joined", "crash_totals"] as const;

export function crashPipeline(source: Source<CrashEvent>): Pipeline {
  const p = new Pipeline("crash");
  const events = p
    .source("events", source)
    .withEventTime((e) => e.t, { maxOutOfOrderness: "2s" }, { id: "event-time" });
  const byUser = events.keyBy((e) => e.user, { id: "by-user" });
  byUser
    .window(tumbling("5s"), { id: "tumbling-5s" })
    .aggregate({ n: count(), total: sum((e: CrashEvent) => e.amount) })
    .to(view("crash_tumbling"), { id: "tumbling-view" });
  byUser
    .window(session("3s"), { id: "sessions-3s" })
    .aggregate({ n: count() })
    .to(view("crash_sessions"), { id: "sessions-view" });
  byUser
    .process<{ user: string; events: number; spent: number }>(
      {
        onRecord(e, ctx) {
          const totals = ctx.value<{ events: number; spent: number }>("totals");
          const t = totals.get() ?? { events: 0, spent: 0 };
          t.events++;
          if (e.kind === "purchase") t.spent += e.amount;
          totals.set(t);
          ctx.emit({ user: e.user, ...t });
        },
      },
      { id: "running-totals" },
    )
    .to(view("crash_totals", { key: (r) => r.user }), { id: "totals-view" });
  const { purchases, clicks } = events.branch(
    { purchases: (e) => e.kind === "purchase", clicks: () => true },
    { id: "split" },
  );
  clicks
    .keyBy((e) => e.user, { id: "clicks-by-user" })
    .windowJoin(
      purchases.keyBy((e) => e.user, { id: "purchases-by-user" }),
      tumbling("10s"),
      (c, pu, w) => ({ user: c.user, click: c.seq, purchase: pu.seq, windowStart: w.start }),
      { id: "click-purchase" },
    )
    .to(view("crash_joined", { key: (r) => `${r.click}|${r.purchase}` }), { id: "joined-view" });
  return p;
}
