/** The clickstream example over a fixed collection: sessions and top pages, checked by hand. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Click, clickstreamPipeline } from "../../examples/clickstream-sessions.js";
import { fromCollection } from "../../src/connectors/collection-source.js";
import { MemoryViewStore } from "../../src/sinks/view-writer.js";
import { runToCompletion } from "../../src/testing/index.js";

const BASE = Date.UTC(2026, 10, 1); // aligned to a minute
const click = (user: string, page: string, s: number): Click => ({ user, page, ts: BASE + s * 1000 });

describe("example: clickstream sessions and top pages", () => {
  it("keeps each user's latest session (30 s of inactivity ends one) and ranks the pages of each minute", async () => {
    const clicks = [
      click("ann", "/", 0),
      click("bob", "/", 1),
      click("ann", "/products", 10),
      click("cat", "/products", 12),
      click("ann", "/cart", 20),
      click("cat", "/products", 25),
      click("bob", "/help", 45), // 44 s after his first click: a new session, which takes over his row
      click("cat", "/", 50),
    ];
    const views = new MemoryViewStore();
    await runToCompletion(clickstreamPipeline("clickstream", fromCollection(clicks, { batchSize: 2 })), {
      views,
    });

    const sessions = new Map(
      [...views.rows("user_sessions").values()].map((row) => {
        const s = row as { key: string; windowStart: number; windowEnd: number; clicks: number };
        return [`${s.key}@${(s.windowStart - BASE) / 1000}`, [s.clicks, (s.windowEnd - BASE) / 1000]];
      }),
    );
    assert.deepEqual(
      sessions,
      new Map([
        ["ann@0", [3, 50]],
        ["bob@45", [1, 75]],
        ["cat@12", [3, 80]],
      ]),
    );

    // The minute [0 s, 60 s): "/" 3, "/products" 3, "/cart" 1, "/help" 1: ties ranked by page.
    const top = views.rows("top_pages");
    const ranked = [1, 2, 3].map((rank) => {
      const row = top.get(`${BASE}|${rank}`) as { key: string; views: number; windowEnd: number };
      assert.equal(row.windowEnd, BASE + 60_000);
      return [row.key, row.views];
    });
    assert.deepEqual(ranked, [
      ["/", 3],
      ["/products", 3],
      ["/cart", 1],
    ]);
    // Every 5 s: the minute [30 s, 90 s) holds bob's /help and cat's /.
    const later = [1, 2].map((rank) => (top.get(`${BASE + 30_000}|${rank}`) as { key: string }).key);
    assert.deepEqual(later, ["/", "/help"]);
  });
});
