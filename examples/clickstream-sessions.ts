/**
 * Clickstream / activity tracking: user sessions (30 s of inactivity ends one) and the top pages per minute,
 * over the stored stream "clicks". Run it (and replay it) with:
 *
 *   sluice run examples/clickstream-sessions.ts --data ./data               # resume or start, then live
 *   sluice run examples/clickstream-sessions.ts --data ./data --from start  # replay the whole stream
 */
import { type Source, Pipeline, count, session, storedStream, tumbling, view } from "sluice";

export interface Click {
  user: string;
  page: string;
  ts: number;
}

/** The pipeline over any source of clicks (the stored stream by default). */
export function clickstreamPipeline(name: string, clicks: Source<Click>): Pipeline {
  const p = new Pipeline(name);
  const events = p.source("clicks", clicks).withEventTime((c) => c.ts, { maxOutOfOrderness: "5s", idleTimeout: "30s" });
  events
    .keyBy((c) => c.user)
    .window(session("30s"), { id: "user-sessions" })
    .aggregate({ clicks: count() })
    .to(view("user_sessions"));
  events
    .keyBy((c) => c.page)
    .window(tumbling("1m"), { id: "page-views" })
    .aggregate({ views: count() })
    .topN(3, { by: (r) => r.views })
    .to(view("top_pages", { key: (r) => `${r.windowStart}|${r.rank}` }));
  return p;
}

export default clickstreamPipeline("clickstream", storedStream<Click>("clicks"));
