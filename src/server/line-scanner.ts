/**
 * The scanner behind a stream's line check (line-check.ts): walks one NDJSON line's bytes against the rules
 * compiled from the stream's schema, and answers the line's event time when it is sure the full path would
 * accept the line unchanged, or undefined when in doubt. It reads bytes, never a decoded string: an accepted
 * line is stored as it came.
 */
import { isUtf8 } from "node:buffer";
import { toEventTime } from "./stream-definition.js";

/** JSON types as bits of FieldRule.types. */
export const STRING = 1;
export const NUMBER = 2;
export const INTEGER = 4;
export const BOOLEAN = 8;
export const NULL = 16;
export const OBJECT = 32;

/** What a field's value is checked against, compiled from its schema (line-check.ts). */
export interface FieldRule {
  /** The name's bytes (ASCII: schemas with other names get no check). */
  readonly nameBytes: Uint8Array;
  /** Bits of the JSON types allowed (NUMBER includes INTEGER: `number` allows both). */
  readonly types: number;
  readonly minLength: number;
  readonly maxLength: number;
  readonly minimum: number;
  readonly maximum: number;
  readonly exclusiveMinimum: number;
  readonly exclusiveMaximum: number;
  /** Allowed values (strings, numbers, booleans, null), or undefined for any. */
  readonly enumValues: ReadonlySet<unknown> | undefined;
  /** The UTF-8 bytes of the strings among them (undefined when there is no enum), compared in place. */
  readonly enumStrings: readonly Uint8Array[] | undefined;
  /** A string here would be coerced to a number by cleansing: such a line goes the full way. */
  readonly coerced: boolean;
  readonly object: ObjectRule | undefined;
}

/** What an object is checked against: its declared fields, by position and by name, and the required ones. */
export interface ObjectRule {
  readonly fields: readonly FieldRule[];
  readonly byName: ReadonlyMap<string, number>;
  readonly required: readonly number[];
  /** Stamps of the fields seen in the object being scanned (a field seen twice goes the full way). */
  readonly seen: number[];
}

/** White space as String.prototype.trim removes it. */
function isTrimmedSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** The position of the first byte at or after `p` that is not JSON white space (at most `end`). */
function skipSpace(bytes: Buffer, p: number, end: number): number {
  // Mostly there is none: a byte above space is answered before the loop.
  if (p < end && bytes[p]! > 32) return p;
  while (p < end) {
    const c = bytes[p]!;
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return p;
    p++;
  }
  return end;
}

/**
 * Scans one line at a time. The scan functions take the position to scan at and return the position after
 * what they scanned, or -1 when in doubt (then `check` answers undefined). No read goes past `end`: the buffer
 * may hold more lines after it.
 */
export class LineScanner {
  private bytes: Buffer = Buffer.alloc(0);
  private end = 0;
  private stamp = 0;
  /** The stamp the fields of the last object scanned were marked with. */
  private objectStamp = 0;
  /** The value of the last number scanned. */
  private number = 0;
  /** Whether a string of the line held a byte ≥ 0x80: the line is then checked to be UTF-8. */
  private nonAscii = false;
  /** Whether the last string `stringEnd` scanned was ASCII. */
  private stringAscii = true;
  /** The event-time field's value when it is a number or string (else undefined). */
  private eventValue: number | string | null | undefined;
  private eventSeen = false;

  constructor(
    private readonly trim: boolean,
    private readonly maxDepth: number,
  ) {}

  check(
    bytes: Buffer,
    start: number,
    end: number,
    root: ObjectRule,
    eventField: number,
    defaultFields: readonly number[],
  ): number | null | undefined {
    this.bytes = bytes;
    this.end = end;
    this.nonAscii = false;
    this.eventValue = undefined;
    this.eventSeen = false;
    let p = skipSpace(bytes, start, end);
    if (p >= end || bytes[p] !== 0x7b) return undefined;
    p = this.scanObject(root, 1, eventField, p);
    if (p < 0 || skipSpace(bytes, p, end) !== end) return undefined;
    const stamp = this.objectStamp;
    for (const index of defaultFields) {
      if (root.seen[index] !== stamp) return undefined; // cleansing would fill it in
    }
    if (this.nonAscii && !isUtf8(bytes.subarray(start, end))) return undefined;
    if (!this.eventSeen || this.eventValue === null) return null;
    return toEventTime(this.eventValue);
  }

  /**
   * Scans an object at `p` (its "{") against a rule, marking its fields with a new stamp (`objectStamp`).
   * `eventField` is the index of the event-time field at this level (-1: none here).
   */
  private scanObject(rule: ObjectRule, depth: number, eventField: number, at: number): number {
    if (depth > this.maxDepth) return -1;
    const bytes = this.bytes;
    const end = this.end;
    const stamp = ++this.stamp;
    const seen = rule.seen;
    const fields = rule.fields;
    let p = skipSpace(bytes, at + 1, end);
    let expected = 0;
    if (p < end && bytes[p] === 0x7d) {
      p++;
    } else {
      for (;;) {
        if (p >= end || bytes[p] !== 0x22) return -1;
        // The field: usually the next one the schema declares, so try that before a lookup.
        let index = -1;
        const start = p + 1;
        if (expected < fields.length) {
          const name = fields[expected]!.nameBytes;
          const close = start + name.length;
          if (close < end && bytes[close] === 0x22 && this.sameAt(start, name)) index = expected;
        }
        let nameEnd: number;
        if (index >= 0) {
          nameEnd = start + fields[index]!.nameBytes.length;
        } else {
          nameEnd = this.stringEnd(start);
          if (nameEnd < 0) return -1;
          // Names are ASCII (hasSpecialCharacters), so a name with other bytes is unknown, whatever latin1 reads.
          index = rule.byName.get(bytes.toString("latin1", start, nameEnd)) ?? -1;
          if (index < 0) return -1; // an unknown field: cleansing or the schema may have a say
        }
        if (seen[index] === stamp) return -1; // a field twice: JSON.parse keeps the last
        seen[index] = stamp;
        expected = index + 1;
        p = skipSpace(bytes, nameEnd + 1, end);
        if (p >= end || bytes[p] !== 0x3a) return -1;
        p = skipSpace(bytes, p + 1, end);
        p = this.scanValue(fields[index]!, depth, index === eventField, p);
        if (p < 0) return -1;
        p = skipSpace(bytes, p, end);
        if (p >= end) return -1;
        const c = bytes[p]!;
        if (c === 0x2c) {
          p = skipSpace(bytes, p + 1, end);
          continue;
        }
        if (c !== 0x7d) return -1;
        p++;
        break;
      }
    }
    for (const index of rule.required) {
      if (seen[index] !== stamp) return -1;
    }
    this.objectStamp = stamp;
    return p;
  }

  /**
   * The index of the closing quote of a string starting at `start`, or -1 for an escape or control character.
   * Notes in `stringAscii` whether it held only ASCII, and in `nonAscii` when not.
   */
  private stringEnd(start: number): number {
    const bytes = this.bytes;
    const end = this.end;
    let high = 0;
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      if (c === 0x22) {
        this.stringAscii = high < 0x80;
        if (high >= 0x80) this.nonAscii = true;
        return i;
      }
      if (c < 0x20 || c === 0x5c) return -1;
      high |= c;
    }
    return -1;
  }

  /** Scans one value at `p` against a field's rule. */
  private scanValue(field: FieldRule, depth: number, isEventTime: boolean, p: number): number {
    if (p >= this.end) return -1;
    const c = this.bytes[p]!;
    if (c === 0x22) {
      const start = p + 1;
      const end = this.stringEnd(start);
      const ascii = this.stringAscii;
      if (end < 0 || (field.types & STRING) === 0 || field.coerced) return -1;
      if (this.trim && end > start && (this.trimmable(start, ascii) || this.trimmable(end - 1, ascii))) {
        return -1;
      }
      // ajv counts code points: the bytes that do not continue a UTF-8 sequence.
      const length = ascii ? end - start : this.codePoints(start, end);
      if (length < field.minLength || length > field.maxLength) return -1;
      const allowed = field.enumStrings;
      if (allowed !== undefined) {
        let found = false;
        for (let i = 0; i < allowed.length && !found; i++) {
          found = allowed[i]!.length === end - start && this.sameAt(start, allowed[i]!);
        }
        if (!found) return -1;
      }
      if (isEventTime) {
        this.eventSeen = true;
        this.eventValue = this.bytes.toString("utf8", start, end);
      }
      return end + 1;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const after = this.scanNumber(p);
      if (after < 0 || (field.types & (NUMBER | INTEGER)) === 0) return -1;
      const value = this.number;
      // (Math.floor, not `value % 1`: the remainder of a double is a call to fmod.)
      if ((field.types & NUMBER) === 0 && Math.floor(value) !== value) return -1;
      if (value < field.minimum || value > field.maximum) return -1;
      if (value <= field.exclusiveMinimum || value >= field.exclusiveMaximum) return -1;
      if (field.enumValues !== undefined && !field.enumValues.has(value)) return -1;
      if (isEventTime) {
        this.eventSeen = true;
        this.eventValue = value;
      }
      return after;
    }
    if (c === 0x7b) {
      if (field.object === undefined || isEventTime) return -1;
      return this.scanObject(field.object, depth + 1, -1, p);
    }
    if (c === 0x74 && this.sameAt(p, TRUE)) return this.literal(field, p + 4, true, BOOLEAN, isEventTime);
    if (c === 0x66 && this.sameAt(p, FALSE)) return this.literal(field, p + 5, false, BOOLEAN, isEventTime);
    if (c === 0x6e && this.sameAt(p, NULL_TEXT)) {
      const after = this.literal(field, p + 4, null, NULL, false);
      if (after >= 0 && isEventTime) {
        this.eventSeen = true;
        this.eventValue = null;
      }
      return after;
    }
    return -1;
  }

  /**
   * Whether the character whose byte is at `p` (a string's first, or the last byte of its last) is white
   * space that trimming removes. A non-ASCII one is decoded: a few Unicode spaces count.
   */
  private trimmable(p: number, ascii: boolean): boolean {
    const c = this.bytes[p]!;
    if (ascii || c < 0x80) return isTrimmedSpace(c);
    let first = p;
    while (first > 0 && (this.bytes[first]! & 0xc0) === 0x80) first--;
    const text = this.bytes.toString("utf8", first, Math.min(this.end, first + 4));
    return isTrimmedSpace(text.charCodeAt(0));
  }

  /** A literal (true, false, null) ending at `after`, if the field allows it. */
  private literal(
    field: FieldRule,
    after: number,
    value: unknown,
    type: number,
    isEventTime: boolean,
  ): number {
    if ((field.types & type) === 0 || isEventTime) return -1;
    if (field.enumValues !== undefined && !field.enumValues.has(value)) return -1;
    return after;
  }

  /**
   * The number at `at` in JSON's grammar, into `number`; -1 when it is not one or is not finite. Up to 15
   * significant digits and no exponent, the value is computed here: an integer below 2^53 divided by an exact
   * power of ten is correctly rounded, as JSON.parse rounds. Anything else goes through Number().
   */
  private scanNumber(at: number): number {
    const bytes = this.bytes;
    const end = this.end;
    let p = at;
    let negative = false;
    if (bytes[p] === 0x2d) {
      negative = true;
      p++;
    }
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    let c = p < end ? bytes[p]! : -1;
    if (c === 0x30) {
      c = ++p < end ? bytes[p]! : -1;
    } else if (c >= 0x31 && c <= 0x39) {
      do {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        c = ++p < end ? bytes[p]! : -1;
      } while (c >= 0x30 && c <= 0x39);
    } else {
      return -1;
    }
    if (c === 0x2e) {
      c = ++p < end ? bytes[p]! : -1;
      if (!(c >= 0x30 && c <= 0x39)) return -1;
      do {
        mantissa = mantissa * 10 + (c - 0x30);
        if (mantissa !== 0) digits++;
        scale++;
        c = ++p < end ? bytes[p]! : -1;
      } while (c >= 0x30 && c <= 0x39);
    }
    let exact = digits <= 15 && scale <= 22;
    if (c === 0x65 || c === 0x45) {
      exact = false;
      c = ++p < end ? bytes[p]! : -1;
      if (c === 0x2b || c === 0x2d) c = ++p < end ? bytes[p]! : -1;
      if (!(c >= 0x30 && c <= 0x39)) return -1;
      do c = ++p < end ? bytes[p]! : -1;
      while (c >= 0x30 && c <= 0x39);
    }
    if (!exact) {
      const value = Number(bytes.toString("latin1", at, p));
      if (!Number.isFinite(value)) return -1;
      this.number = value;
      return p;
    }
    const magnitude = scale === 0 ? mantissa : mantissa / POWERS_OF_TEN[scale]!;
    this.number = negative ? -magnitude : magnitude;
    return p;
  }

  /** Whether the line holds `part` at `start`. */
  private sameAt(start: number, part: Uint8Array): boolean {
    if (start + part.length > this.end) return false;
    const bytes = this.bytes;
    for (let i = 0; i < part.length; i++) {
      if (bytes[start + i] !== part[i]) return false;
    }
    return true;
  }

  /** Unicode code points in the string `bytes[start..end)`: the bytes that do not continue a sequence. */
  private codePoints(start: number, end: number): number {
    let n = 0;
    const bytes = this.bytes;
    for (let i = start; i < end; i++) if ((bytes[i]! & 0xc0) !== 0x80) n++;
    return n;
  }
}

const TRUE = Buffer.from("true");
const FALSE = Buffer.from("false");
const NULL_TEXT = Buffer.from("null");

/** 10^0 … 10^22: exactly representable as doubles. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
