/** The trending-topics example over a fixed collection: top hashtags per sliding minute, by hand. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashtags, type Post, trendingPipeline } from "../../examples/trending-topics.js";
import { fromCollection } from "../../src/connectors/collection-source.js";
import { MemoryViewStore } from "../../src/sinks/view-writer.js";
import { runToCompletion } from "../../src/testing/index.js";

const BASE = Date.UTC(2026, 10, 1); // aligned to a minute
const post = (text: string, s: number): Post => ({ postId: `p${s}`, user: "u", text, ts: BASE + s * 1000 });

describe("example: trending topics", () => {
  it("extracts each distinct hashtag of a post once, lower-cased", () => {
    assert.deepEqual(hashtags("Go #NodeJS! #nodejs and #café_2026, not a#tag? #"), [
      "nodejs",
      "café_2026",
      "tag",
    ]);
    assert.deepEqual(hashtags("no tags here"), []);
  });

  it("ranks the hashtags of each 1-minute window, sliding every 5 s", async () => {
    const posts = [
      post("#a #A #b", 1), // #a once per post
      post("#a #c", 10),
      post("#b", 20),
      post("#a", 30),
      post("#c #d", 62),
      post("#d", 64),
    ];
    const views = new MemoryViewStore();
    await runToCompletion(trendingPipeline("trending", fromCollection(posts, { batchSize: 2 }), 2), {
      views,
    });
    const top = views.rows("trending_hashtags");
    const window = (endS: number) =>
      [1, 2].map((rank) => {
        const row = top.get(`${BASE + endS * 1000}|${rank}`) as
          | { tag: string; posts: number; rank: number }
          | undefined;
        return row === undefined ? undefined : [row.tag, row.posts];
      });
    // [0 s, 60 s): a 3, b 2, c 1.
    assert.deepEqual(window(60), [
      ["a", 3],
      ["b", 2],
    ]);
    // [5 s, 65 s): a 2 (10 s, 30 s), c 2, d 2, b 1: ties ranked by tag.
    assert.deepEqual(window(65), [
      ["a", 2],
      ["c", 2],
    ]);
    // [35 s, 95 s): d 2, c 1.
    assert.deepEqual(window(95), [
      ["d", 2],
      ["c", 1],
    ]);
  });
});
