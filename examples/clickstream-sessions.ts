/**
 * Clickstream / activity tracking: user sessions (30 s of inactivity ends one) and the top pages per minute,
 * over the stored stream "clicks". Run it (and replay it) with:
 *
 *   sluice run examples/clickstream-sessions.ts --data ./data               # resume or start, then live
 *   sluice run examples/clickstream-sessions.ts --data ./data --from start  # replay the whole stream
 *   curl -XPOST localhost:8080/v1/streams/clicks/events -H 'content-type: application/x-ndjson' \
 *     --data-binary $'{"user":"ann","page":"/","ts":1764115200000}\n'
 *   curl localhost:8080/v1/views/user_sessions
 */
import { count, defineStream, Pipeline, type Source, session, storedStream, tumbling, view } from "sluice";

export interface Click {
  user: string;
  page: string;
  ts: number;
}

/** The pipeline over any source of clicks (the stored stream by default). */
export function clickstreamPipeline(name: string, clicks: Source<Click>): Pipeline {
  const p = new Pipeline(name);
  const events = p
    .source("clicks", clicks)
    .withEventTime((c) => c.ts, { maxOutOfOrderness: "5s", idleTimeout: "30s" });
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

/** The stream clients POST clicks to; records are validated (and cleansed) before they reach the log. */
export const streams = [
  defineStream({
    name: "clicks",
    schema: {
      type: "object",
      required: ["user", "page", "ts"],
      properties: {
        user: { type: "string", minLength: 1 },
        page: { type: "string" },
        ts: { type: "integer" },
      },
    },
    key: "user",
    eventTime: "ts",
    cleanse: { trim: true, coerceNumbers: true, dropUnknown: true },
  }),
];

export default clickstreamPipeline("clickstream", storedStream<Click>("clicks"));
