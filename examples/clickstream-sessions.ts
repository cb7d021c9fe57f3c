/**
 * Clickstream / activity tracking: each user's current session (30 s of inactivity ends one), updated live
 * as it grows, and the top pages of the last minute, every 5 s, over the stored stream "clicks". Run it (and replay it) with:
 *
 *   sluice run examples/clickstream-sessions.ts --data ./data               # resume or start, then live
 *   sluice run examples/clickstream-sessions.ts --data ./data --from start  # replay the whole stream
 *   curl -XPOST localhost:8080/v1/streams/clicks/events -H 'content-type: application/x-ndjson' \
 *     --data-binary $'{"user":"ann","page":"/","ts":1764115200000}\n'
 *   curl 'localhost:8080/v1/views/user_sessions?key=ann'
 *   curl 'localhost:8080/v1/views/top_pages?order=updated&limit=3'
 */
import {
  count,
  defineStream,
  Pipeline,
  type SeededRandom,
  type Source,
  session,
  sliding,
  storedStream,
  view,
} from "sluice";

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
    .withEventTime((c) => c.ts, { maxOutOfOrderness: "3s", idleTimeout: "30s" });
  // One row per user: the session it is in (or was in last), updated click by click. A session only
  // changes while it is open, and a user's next session starts after the last one has ended.
  events
    .keyBy((c) => c.user)
    .window(session("30s"), { id: "user-sessions" })
    .aggregate({ clicks: count() }, { emit: "updates" })
    .to(view("user_sessions", { key: (s) => JSON.stringify(s.key) }));
  events
    .keyBy((c) => c.page)
    .window(sliding("1m", "5s"), { id: "page-views" })
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
        page: { type: "string", pattern: "^/" },
        ts: { type: "integer" },
      },
    },
    key: "user",
    eventTime: "ts",
    cleanse: { trim: true, coerceNumbers: true, dropUnknown: true },
  }),
];

const PAGES = [
  ["/", 30],
  ["/products", 18],
  ["/products/kettle", 9],
  ["/products/toaster", 7],
  ["/products/blender", 5],
  ["/search", 12],
  ["/cart", 6],
  ["/checkout", 3],
  ["/blog", 4],
  ["/blog/espresso-at-home", 3],
  ["/about", 2],
  ["/help", 2],
] as const;
const PAGE_WEIGHT = PAGES.reduce((n, [, w]) => n + w, 0);

/**
 * Simulated visitors for demos and load tests: `visitors` people browse at once, each for a few clicks on
 * pages of uneven popularity, then leave and are replaced by another of 500 users, so sessions start and end.
 * Use with `generatorSource({ ratePerSecond: 100, make: siteVisitors() })`.
 */
export function siteVisitors(visitors = 40): (index: number, random: SeededRandom, now: number) => Click {
  const active: Array<{ user: string; left: number }> = [];
  return (_index, random, now) => {
    while (active.length < visitors) {
      active.push({ user: `user-${String(random.int(500)).padStart(3, "0")}`, left: 2 + random.int(14) });
    }
    const slot = random.int(active.length);
    const visitor = active[slot]!;
    if (--visitor.left <= 0) active.splice(slot, 1);
    let pick = random.next() * PAGE_WEIGHT;
    let page: string = PAGES[0][0];
    for (const [path, weight] of PAGES) {
      if ((pick -= weight) < 0) {
        page = path;
        break;
      }
    }
    return { user: visitor.user, page, ts: now };
  };
}

export default clickstreamPipeline("clickstream", storedStream<Click>("clicks"));
