/**
 * Trending topics: the 10 most used hashtags of the last minute, every 5 s (a sliding window), from the
 * stored stream "posts". Run it with:
 *
 *   sluice run examples/trending-topics.ts --data ./data
 *   curl -XPOST localhost:8080/v1/streams/posts/events -H 'content-type: application/x-ndjson' \
 *     --data-binary $'{"postId":"p1","user":"ann","text":"Loving the #sunset at the #beach","ts":1764115200000}\n'
 *   curl 'localhost:8080/v1/views/trending_hashtags?order=updated&limit=10'
 */
import {
  count,
  defineStream,
  Pipeline,
  type SeededRandom,
  type Source,
  sliding,
  storedStream,
  view,
} from "sluice";

export interface Post {
  postId: string;
  user: string;
  text: string;
  ts: number;
}

/** The distinct hashtags of a text, lower-cased and without the "#", in order of first use. */
export function hashtags(text: string): string[] {
  const tags = new Set<string>();
  for (const match of text.matchAll(/#([\p{L}\p{N}_]+)/gu)) tags.add(match[1]!.toLowerCase());
  return [...tags];
}

/** The pipeline over any source of posts (the stored stream by default). */
export function trendingPipeline(name: string, posts: Source<Post>, top = 10): Pipeline {
  const p = new Pipeline(name);
  p.source("posts", posts)
    .withEventTime((post) => post.ts, { maxOutOfOrderness: "3s", idleTimeout: "30s" })
    .flatMap((post) => hashtags(post.text), { id: "hashtags" })
    .keyBy((tag) => tag)
    .window(sliding("1m", "5s"), { id: "tag-counts" })
    .aggregate({ posts: count() })
    .topN(top, { by: (r) => r.posts })
    .map((r) => ({
      tag: r.key,
      posts: r.posts,
      rank: r.rank,
      windowStart: r.windowStart,
      windowEnd: r.windowEnd,
    }))
    .to(view("trending_hashtags", { key: (r) => `${r.windowEnd}|${r.rank}` }));
  return p;
}

/** The stream clients POST posts to; records are validated (and cleansed) before they reach the log. */
export const streams = [
  defineStream({
    name: "posts",
    schema: {
      type: "object",
      required: ["postId", "user", "text", "ts"],
      properties: {
        postId: { type: "string", minLength: 1 },
        user: { type: "string", minLength: 1 },
        text: { type: "string", maxLength: 1000 },
        ts: { type: "integer" },
      },
    },
    key: "user",
    eventTime: "ts",
    cleanse: { trim: true, coerceNumbers: true, dropUnknown: true },
  }),
];

const TOPICS = [
  "nodejs",
  "typescript",
  "streaming",
  "football",
  "worldcup",
  "election",
  "climate",
  "ai",
  "music",
  "concert",
  "coffee",
  "recipes",
  "travel",
  "sunset",
  "cats",
  "marathon",
  "gaming",
  "space",
  "startup",
  "rust",
];
const WORDS = [
  "just",
  "saw",
  "the",
  "best",
  "new",
  "today",
  "anyone",
  "else",
  "watching",
  "love",
  "this",
  "wow",
];

/**
 * Simulated posts for demos and load tests: topics rise and fade over a few minutes (so the top 10 changes),
 * each post a few words with one to three hashtags. Use with `generatorSource({ ratePerSecond: 100, make: socialPosts() })`.
 */
export function socialPosts(): (index: number, random: SeededRandom, now: number) => Post {
  return (index, random, now) => {
    // Each topic's popularity follows its own slow wave, so the trending list moves.
    const weights = TOPICS.map((_, t) => 1 + Math.max(0, Math.sin(now / 90_000 + t * 1.7)) ** 3 * 12);
    const total = weights.reduce((a, b) => a + b, 0);
    const pickTopic = () => {
      let r = random.next() * total;
      for (let t = 0; t < TOPICS.length; t++) if ((r -= weights[t]!) < 0) return TOPICS[t]!;
      return TOPICS[TOPICS.length - 1]!;
    };
    const words = Array.from({ length: 3 + random.int(6) }, () => WORDS[random.int(WORDS.length)]!);
    const tags = 1 + random.int(3);
    for (let i = 0; i < tags; i++) words.splice(random.int(words.length + 1), 0, `#${pickTopic()}`);
    return { postId: `post-${index}`, user: `user-${random.int(2000)}`, text: words.join(" "), ts: now };
  };
}

export default trendingPipeline("trending", storedStream<Post>("posts"));
