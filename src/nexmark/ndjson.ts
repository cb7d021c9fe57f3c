/**
 * Nexmark events as NDJSON: byte for byte what JSON.stringify gives, with the model's field order. Encoded
 * by hand straight into bytes, because NDJSON output is hot: JSON.stringify, V8's number-to-string
 * conversions and per-character string checks each cost several times what generating the event does.
 * Strings are checked 64 events at a time with one regular-expression pass over their joined text and
 * copied out of one native write of it; a group with a character that needs escaping uses JSON.stringify.
 */
import type { NexmarkEvent } from "./model.js";

const DEFAULT_CAPACITY = 1 << 20;
/** Events whose strings are checked together (their joined text stays small enough for the young heap). */
const GROUP = 64;
/** Bytes an event needs besides its strings (keys, punctuation, numbers), with room to spare. */
const FIXED_EVENT_BYTES = 512;
/** Most bytes one UTF-16 code unit can take in a JSON string literal (a `\u00XX` escape). */
const MAX_BYTES_PER_CHAR = 6;
/** A character JSON.stringify escapes, or any non-ASCII one (groups holding one use JSON.stringify). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it must find
const NOT_PLAIN_ASCII = /["\\\u0000-\u001f\u007f-\uffff]/;

/** All key/punctuation literals, back to back, read through LITERAL_VIEW; each constant is offset × 256 + length. */
const LITERAL_TEXT: string[] = [];
let literalLength = 0;
function literal(text: string): number {
  LITERAL_TEXT.push(text);
  const handle = literalLength * 256 + text.length;
  literalLength += text.length;
  return handle;
}
const BID_START = literal('{"type":"bid","auction":');
const BID_BIDDER = literal(',"bidder":');
const BID_PRICE = literal(',"price":');
const BID_CHANNEL = literal(',"channel":"');
const BID_URL = literal('","url":"');
const BID_DATE_TIME = literal('","dateTime":');
const PERSON_START = literal('{"type":"person","id":');
const PERSON_NAME = literal(',"name":"');
const PERSON_EMAIL = literal('","emailAddress":"');
const PERSON_CARD = literal('","creditCard":"');
const PERSON_CITY = literal('","city":"');
const PERSON_STATE = literal('","state":"');
const PERSON_DATE_TIME = literal('","dateTime":');
const AUCTION_START = literal('{"type":"auction","id":');
const AUCTION_ITEM = literal(',"itemName":"');
const AUCTION_DESCRIPTION = literal('","description":"');
const AUCTION_INITIAL_BID = literal('","initialBid":');
const AUCTION_RESERVE = literal(',"reserve":');
const AUCTION_DATE_TIME = literal(',"dateTime":');
const AUCTION_EXPIRES = literal(',"expires":');
const AUCTION_SELLER = literal(',"seller":');
const AUCTION_CATEGORY = literal(',"category":');
const EXTRA = literal(',"extra":"');
const END = literal('"}\n');
const LITERALS = Buffer.from(LITERAL_TEXT.join(""), "latin1");
const LITERAL_VIEW = new DataView(LITERALS.buffer, LITERALS.byteOffset, LITERALS.byteLength);

const NEWLINE = 10;
const DIGIT_0 = 48;
const TWO_POW_31 = 2147483648;
/** 10^0 … 10^9, for counting the digits of an int32. */
const POWERS_OF_TEN = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];

/**
 * Encodes events as NDJSON lines into large byte chunks, for writing to a file or socket.
 * @example
 * const encoder = new NdjsonEncoder();
 * encoder.writeBatch(events, events.length);
 * stream.write(encoder.take());
 */
export class NdjsonEncoder {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;
  /** The strings of the current group, in output order, as bytes; `textPos` is the next one's start. */
  private text: Buffer = Buffer.allocUnsafe(0);
  private textView: DataView = new DataView(new ArrayBuffer(0));
  private textPos = 0;
  private readonly parts: string[] = [];
  private readonly one: NexmarkEvent[] = [];

  constructor(capacity = DEFAULT_CAPACITY) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, FIXED_EVENT_BYTES));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Bytes encoded and not yet taken. */
  get byteLength(): number {
    return this.pos;
  }

  /** The bytes encoded so far; the encoder continues in a fresh buffer (the returned one is never reused). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.setBuffer(Buffer.allocUnsafe(this.buf.length));
    this.pos = 0;
    return out;
  }

  /** The text encoded so far, without its last `dropLast` bytes; the encoder continues in the same buffer. */
  takeString(dropLast = 0): string {
    const text = this.buf.toString("utf8", 0, Math.max(0, this.pos - dropLast));
    this.pos = 0;
    return text;
  }

  /** Appends one event as one line ending in "\n". */
  write(e: NexmarkEvent): void {
    this.one[0] = e;
    this.writeGroup(this.one, 0, 1);
  }

  /** Appends the first `count` events of `events`, one line each. */
  writeBatch(events: readonly NexmarkEvent[], count: number): void {
    for (let from = 0; from < count; from += GROUP)
      this.writeGroup(events, from, Math.min(count, from + GROUP));
  }

  /**
   * Events [from, to): their strings, in output order, are joined, checked in one regular-expression pass
   * and copied out with one native write; a group holding a character that needs escaping (or anything
   * but a Nexmark event) is written with JSON.stringify instead.
   */
  private writeGroup(events: readonly NexmarkEvent[], from: number, to: number): void {
    const parts = this.parts;
    for (let i = from; i < to; i++) {
      const e = events[i]!;
      if (e.type === "bid") parts.push(e.channel, e.url, e.extra);
      else if (e.type === "person")
        parts.push(e.name, e.emailAddress, e.creditCard, e.city, e.state, e.extra);
      else if (e.type === "auction") parts.push(e.itemName, e.description, e.extra);
      else parts.push("\u0000");
    }
    const all = parts.join("");
    parts.length = 0;
    if (NOT_PLAIN_ASCII.test(all)) {
      for (let i = from; i < to; i++) this.writeStringified(events[i]!);
      return;
    }
    if (this.text.length < all.length) {
      this.text = Buffer.allocUnsafe(Math.max(all.length, 2 * this.text.length, 4096));
      this.textView = new DataView(this.text.buffer, this.text.byteOffset, this.text.byteLength);
    }
    this.text.write(all, 0, "latin1");
    this.textPos = 0;
    for (let i = from; i < to; i++) this.writePlain(events[i]!);
  }

  /** One event whose strings are plain ASCII and next in `text`. */
  private writePlain(e: NexmarkEvent): void {
    let p: number;
    if (e.type === "bid") {
      this.reserve(e.channel.length + e.url.length + e.extra.length);
      p = this.num(this.literal(this.pos, BID_START), e.auction);
      p = this.num(this.literal(p, BID_BIDDER), e.bidder);
      p = this.num(this.literal(p, BID_PRICE), e.price);
      p = this.str(this.literal(p, BID_CHANNEL), e.channel.length);
      p = this.str(this.literal(p, BID_URL), e.url.length);
      p = this.num(this.literal(p, BID_DATE_TIME), e.dateTime);
    } else if (e.type === "person") {
      this.reserve(
        e.name.length +
          e.emailAddress.length +
          e.creditCard.length +
          e.city.length +
          e.state.length +
          e.extra.length,
      );
      p = this.num(this.literal(this.pos, PERSON_START), e.id);
      p = this.str(this.literal(p, PERSON_NAME), e.name.length);
      p = this.str(this.literal(p, PERSON_EMAIL), e.emailAddress.length);
      p = this.str(this.literal(p, PERSON_CARD), e.creditCard.length);
      p = this.str(this.literal(p, PERSON_CITY), e.city.length);
      p = this.str(this.literal(p, PERSON_STATE), e.state.length);
      p = this.num(this.literal(p, PERSON_DATE_TIME), e.dateTime);
    } else {
      this.reserve(e.itemName.length + e.description.length + e.extra.length);
      p = this.num(this.literal(this.pos, AUCTION_START), e.id);
      p = this.str(this.literal(p, AUCTION_ITEM), e.itemName.length);
      p = this.str(this.literal(p, AUCTION_DESCRIPTION), e.description.length);
      p = this.num(this.literal(p, AUCTION_INITIAL_BID), e.initialBid);
      p = this.num(this.literal(p, AUCTION_RESERVE), e.reserve);
      p = this.num(this.literal(p, AUCTION_DATE_TIME), e.dateTime);
      p = this.num(this.literal(p, AUCTION_EXPIRES), e.expires);
      p = this.num(this.literal(p, AUCTION_SELLER), e.seller);
      p = this.num(this.literal(p, AUCTION_CATEGORY), e.category);
    }
    p = this.str(this.literal(p, EXTRA), e.extra.length);
    this.pos = this.literal(p, END);
  }

  /** One event by JSON.stringify, for strings that need escaping (or values that are not Nexmark events). */
  private writeStringified(e: NexmarkEvent): void {
    const json = JSON.stringify(e);
    this.reserve(json.length);
    this.pos += this.buf.write(json, this.pos, "utf8");
    this.buf[this.pos++] = NEWLINE;
  }

  /** Makes room for an event whose strings total `stringChars` UTF-16 code units. */
  private reserve(stringChars: number): void {
    const needed = this.pos + FIXED_EVENT_BYTES + MAX_BYTES_PER_CHAR * stringChars;
    if (needed <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.buf.length));
    this.buf.copy(grown, 0, 0, this.pos);
    this.setBuffer(grown);
  }

  private setBuffer(buf: Buffer): void {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /**
   * Copies `length` bytes from `src` at `from` to the output at `p`, four at a time (JS byte loops and
   * native calls both cost more here).
   */
  private copy(p: number, src: DataView, from: number, length: number): number {
    const view = this.view;
    let i = 0;
    for (; i + 4 <= length; i += 4) view.setUint32(p + i, src.getUint32(from + i));
    for (; i < length; i++) view.setUint8(p + i, src.getUint8(from + i));
    return p + length;
  }

  private literal(p: number, handle: number): number {
    return this.copy(p, LITERAL_VIEW, Math.floor(handle / 256), handle % 256);
  }

  /** The next `length` bytes of `text` (the string's characters, without quotes). */
  private str(p: number, length: number): number {
    const from = this.textPos;
    this.textPos = from + length;
    return this.copy(p, this.textView, from, length);
  }

  /** A JSON number: non-negative safe integers digit by digit, anything else as JSON.stringify prints it. */
  private num(p: number, n: number): number {
    if (n >= 0 && n < TWO_POW_31 && (n | 0) === n) return this.int32(p, n);
    if (n >= 0 && n <= Number.MAX_SAFE_INTEGER && Math.floor(n) === n) {
      // Up to 16 digits: the high part, then the low 8 digits with leading zeros.
      const high = Math.floor(n / 100_000_000);
      return this.digits(this.int32(p, high), n - high * 100_000_000, 8);
    }
    // Negative, fractional, huge or not finite: JSON.stringify's text (ASCII, short).
    return p + this.buf.write(Number.isFinite(n) ? String(n) : "null", p, "latin1");
  }

  /** A non-negative int32 in decimal. */
  private int32(p: number, n: number): number {
    let count = 1;
    while (count < 10 && n >= POWERS_OF_TEN[count]!) count++;
    return this.digits(p, n, count);
  }

  /** The last `count` decimal digits of the non-negative int32 `n`. */
  private digits(p: number, n: number, count: number): number {
    const view = this.view;
    let x = n;
    for (let i = p + count - 1; i >= p; i--) {
      const q = (x / 10) | 0;
      view.setUint8(i, DIGIT_0 + x - q * 10);
      x = q;
    }
    return p + count;
  }
}

const shared = new NdjsonEncoder(64 * 1024);

/**
 * One event as one JSON line (no trailing newline), identical to `JSON.stringify(e)`.
 * @example eventToJson(bid) // '{"type":"bid","auction":1000,"bidder":1001,...}'
 */
export function eventToJson(e: NexmarkEvent): string {
  shared.write(e);
  return shared.takeString(1);
}
