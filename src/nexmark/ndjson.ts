/**
 * Nexmark events as NDJSON lines, byte for byte what JSON.stringify gives, but built by hand (field order
 * of the model) because the generator's output path is hot.
 */
import type { NexmarkEvent } from "./model.js";

/**
 * One event as one JSON line (no trailing newline), identical to `JSON.stringify(e)`.
 * @example eventToJson(bid) // '{"type":"bid","auction":1000,"bidder":1001,...}'
 */
export function eventToJson(e: NexmarkEvent): string {
  switch (e.type) {
    case "bid":
      return `{"type":"bid","auction":${num(e.auction)},"bidder":${num(e.bidder)},"price":${num(e.price)},"channel":${str(
        e.channel,
      )},"url":${str(e.url)},"dateTime":${num(e.dateTime)},"extra":${str(e.extra)}}`;
    case "person":
      return `{"type":"person","id":${num(e.id)},"name":${str(e.name)},"emailAddress":${str(
        e.emailAddress,
      )},"creditCard":${str(e.creditCard)},"city":${str(e.city)},"state":${str(e.state)},"dateTime":${num(
        e.dateTime,
      )},"extra":${str(e.extra)}}`;
    case "auction":
      return `{"type":"auction","id":${num(e.id)},"itemName":${str(e.itemName)},"description":${str(
        e.description,
      )},"initialBid":${num(e.initialBid)},"reserve":${num(e.reserve)},"dateTime":${num(
        e.dateTime,
      )},"expires":${num(e.expires)},"seller":${num(e.seller)},"category":${num(e.category)},"extra":${str(
        e.extra,
      )}}`;
    default:
      return JSON.stringify(e);
  }
}

/**
 * Appends `count` events from `events` as NDJSON (each line ending in "\n") to `prefix` and returns it.
 * @example process.stdout.write(eventsToNdjson(batch, batch.length))
 */
export function eventsToNdjson(events: readonly NexmarkEvent[], count: number, prefix = ""): string {
  let out = prefix;
  for (let i = 0; i < count; i++) out += `${eventToJson(events[i]!)}\n`;
  return out;
}

/** A JSON number: finite numbers print as JS prints them (as JSON.stringify does), others as null. */
function num(n: number): string | number {
  return Number.isFinite(n) ? n : "null";
}

/** Characters that JSON.stringify escapes: controls, '"', '\\' and (lone) surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A JSON string literal; a plain quote-wrap when nothing needs escaping, else JSON.stringify. */
function str(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}
