/**
 * The text the Nexmark generator draws from: fixed word lists (names, cities, states, hot channels, as in
 * the Flink generator) and, per seed, pools of random text that strings are sliced from instead of being
 * built char by char (the hot path must not loop per character).
 */
import { CHANNELS_NUMBER } from "./generator-config.js";
import { SeededRandom, streamKey } from "./seeded-random.js";

/** Random strings start at one of POOL_LENGTH (2^16) offsets of a pool, so 16 random bits pick one. */
export const POOL_LENGTH = 65_536;
/** The pools are this much longer than POOL_LENGTH: the longest slice taken from them. */
export const POOL_MARGIN = 1024;

const FIRST_NAMES = [
  "Peter",
  "Paul",
  "Luke",
  "John",
  "Saul",
  "Vicky",
  "Kate",
  "Julie",
  "Sarah",
  "Deiter",
  "Walter",
];
const LAST_NAMES = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];

/** Every "First Last" name; a uniform pick equals picking first and last name independently. */
export const PERSON_NAMES: readonly string[] = FIRST_NAMES.flatMap((f) => LAST_NAMES.map((l) => `${f} ${l}`));
export const US_CITIES: readonly string[] = [
  "Phoenix",
  "Los Angeles",
  "San Francisco",
  "Boise",
  "Portland",
  "Bend",
  "Redmond",
  "Seattle",
  "Kent",
  "Cheyenne",
];
export const US_STATES: readonly string[] = ["AZ", "CA", "ID", "OR", "WA", "WY"];
export const HOT_CHANNELS: readonly string[] = ["Google", "Facebook", "Baidu", "Apple"];

/** "channel-0" … "channel-9999". */
export const CHANNEL_NAMES: readonly string[] = Array.from(
  { length: CHANNELS_NUMBER },
  (_, i) => `channel-${i}`,
);

const STREAM_TEXT = 1;
const STREAM_LETTERS = 2;
const STREAM_HOT_URLS = 3;
const STREAM_CHANNELS = 4;
const STREAM_CARDS = 5;
const CHAR_A = 97;
const CHAR_0 = 48;

/** Random text for one seed. Build once per generator: `new TextPools(seed)`. */
export class TextPools {
  /** Lowercase letters with about one space in 13 (Flink's StringsGenerator.nextString alphabet). */
  readonly text: string;
  /** Lowercase letters only (Flink's nextExactString alphabet, used for `extra`). */
  readonly letters: string;
  /**
   * Groups of four random digits, each followed by a space: a credit card number is the 19 characters at
   * 5 × (one of POOL_LENGTH group numbers).
   */
  readonly cardDigits: string;
  /** The URL of each of HOT_CHANNELS. */
  readonly hotUrls: readonly string[];
  private readonly channelUrls: string[];
  private readonly channelKey: number;
  private readonly random = new SeededRandom();

  constructor(seed: number) {
    const random = this.random;
    random.restart(streamKey(seed, STREAM_TEXT), 0);
    const bytes = new Uint8Array(POOL_LENGTH + POOL_MARGIN);
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = random.nextInt(13) === 0 ? 32 : CHAR_A + random.nextInt(26);
    }
    this.text = latin1(bytes);
    random.restart(streamKey(seed, STREAM_LETTERS), 0);
    for (let i = 0; i < bytes.length; i++) bytes[i] = CHAR_A + random.nextInt(26);
    this.letters = latin1(bytes);
    random.restart(streamKey(seed, STREAM_CARDS), 0);
    const digits = new Uint8Array(5 * (POOL_LENGTH + 3));
    for (let i = 0; i < digits.length; i++) digits[i] = i % 5 === 4 ? 32 : CHAR_0 + random.nextInt(10);
    this.cardDigits = latin1(digits);

    random.restart(streamKey(seed, STREAM_HOT_URLS), 0);
    this.hotUrls = HOT_CHANNELS.map(() => baseUrl(random));
    this.channelKey = streamKey(seed, STREAM_CHANNELS);
    this.channelUrls = new Array<string>(CHANNELS_NUMBER).fill("");
  }

  /**
   * The URL of channel `channel` (0 ≤ channel < CHANNELS_NUMBER): a random base URL, in 9 cases of 10 with
   * `&channel_id=` appended, as Flink's BidGenerator. Depends only on (seed, channel); cached.
   */
  channelUrl(channel: number): string {
    const cached = this.channelUrls[channel]!;
    if (cached !== "") return cached;
    const random = this.random;
    random.restart(this.channelKey, channel);
    const base = baseUrl(random);
    const url =
      random.nextInt(10) > 0 ? flat(`${base}&channel_id=${Math.abs(reverseBits32(channel))}`) : base;
    this.channelUrls[channel] = url;
    return url;
  }
}

/** "https://www.nexmark.com/<a>/<b>/<c>/item.htm?query=1" with short random path parts. */
function baseUrl(random: SeededRandom): string {
  return flat(
    `https://www.nexmark.com/${pathPart(random)}/${pathPart(random)}/${pathPart(random)}/item.htm?query=1`,
  );
}

/**
 * The same text as one flat string. Concatenation builds a tree of pieces that every later copy walks
 * again; strings used for every event are flattened once.
 */
function flat(s: string): string {
  return Buffer.from(s, "latin1").toString("latin1");
}

/** 3–4 characters, lowercase letters with about one '_' in 13 (Flink: nextString(random, 5, '_')). */
function pathPart(random: SeededRandom): string {
  let len = 3 + random.nextInt(2);
  let s = "";
  while (len-- > 0) s += random.nextInt(13) === 0 ? "_" : String.fromCharCode(CHAR_A + random.nextInt(26));
  return s;
}

/** Java's Integer.reverse: the 32 bits of `n` in reverse order, as a signed 32-bit integer. */
function reverseBits32(n: number): number {
  let x = n | 0;
  let r = 0;
  for (let i = 0; i < 32; i++) {
    r = (r << 1) | (x & 1);
    x >>>= 1;
  }
  return r | 0;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}
