/**
 * A stream's line check: accepts an NDJSON line straight from its bytes, without decoding or building the
 * record, when the stream's schema is made of plain fields (strings, numbers, booleans, nulls and nested
 * objects of them, with the usual bounds) and the line is plain too. It answers only what the full path —
 * UTF-8 decoding, `JSON.parse`, the record limits, cleansing, the schema, the event time — would answer for an
 * accepted record, and stays silent otherwise: any line it is not sure of (an escape in a string, an array, an
 * unknown field, a value cleansing would change, anything the schema rejects, bytes that are not UTF-8) goes
 * the full way, which gives the reasons. So an accepted line is stored as sent, byte for byte, with the event
 * time computed here, and a rejected one is reported exactly as before. Parsing and validating a record
 * dominated ingestion's CPU profile; scanning its bytes once does the same work for the common case at a
 * fraction of the cost.
 *
 * Streams with PII policies get no line check: their records must be built to be protected.
 */
import { isUtf8 } from "node:buffer";
import type { RecordLimits } from "./record-limits.js";
import { type StreamDefinition, toEventTime } from "./stream-definition.js";

/**
 * The event time of an accepted line, `bytes[start..end)` without its newline (null when it has none), or
 * undefined when the line must go the full way, e.g.
 * `check(Buffer.from('{"deviceId":"d1","temp":21.5,"ts":1714557600000}'), 0, 48)` → 1714557600000.
 */
export type LineCheck = (bytes: Buffer, start: number, end: number) => number | null | undefined;

const STRING = 1;
const NUMBER = 2;
const INTEGER = 4;
const BOOLEAN = 8;
const NULL = 16;
const OBJECT = 32;

const TYPE_BITS: Record<string, number> = {
  string: STRING,
  number: NUMBER | INTEGER,
  integer: INTEGER,
  boolean: BOOLEAN,
  null: NULL,
  object: OBJECT,
};

/** Keywords that only annotate: they never change what is valid. */
const ANNOTATIONS = new Set(["title", "description", "$comment", "examples", "default", "deprecated"]);
const OBJECT_KEYWORDS = new Set(["type", "properties", "required", "additionalProperties"]);
const FIELD_KEYWORDS = new Set([
  "type",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "enum",
  "properties",
  "required",
  "additionalProperties",
]);

interface FieldRule {
  readonly name: string;
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

interface ObjectRule {
  readonly fields: readonly FieldRule[];
  readonly byName: ReadonlyMap<string, number>;
  readonly required: readonly number[];
  /** Stamps of the fields seen in the object being scanned (a field seen twice goes the full way). */
  readonly seen: number[];
}

/**
 * The line check of a stream, or undefined when its schema, cleansing or policies are outside what a check
 * can decide (then every line goes the full way), e.g. `compileLineCheck(stream, limits)`.
 */
export function compileLineCheck(stream: StreamDefinition, limits: RecordLimits): LineCheck | undefined {
  if (stream.pii !== undefined && Object.keys(stream.pii).length > 0) return undefined;
  const cleanse = stream.cleanse ?? {};
  const root = objectRule(stream.schema, cleanse.coerceNumbers === true);
  if (root === undefined) return undefined;
  const eventField = stream.eventTime === undefined ? -1 : (root.byName.get(stream.eventTime) ?? -2);
  // An event-time field the schema does not declare: lines holding it have an unknown field and go the full
  // way; lines without it have no event time.
  const defaults = cleanse.defaults === undefined ? [] : Object.keys(cleanse.defaults);
  const defaultFields: number[] = [];
  for (const name of defaults) {
    const index = root.byName.get(name);
    if (index === undefined) return undefined; // cleansing would add an undeclared field
    defaultFields.push(index);
  }
  const scanner = new LineScanner(cleanse.trim === true, limits.maxDepth);
  return (bytes, start, end) => scanner.check(bytes, start, end, root, eventField, defaultFields);
}

/** The rule for an object schema, or undefined when it uses anything a check does not decide. */
function objectRule(schema: unknown, coerce: boolean): ObjectRule | undefined {
  if (!isPlainObject(schema)) return undefined;
  if (schema.type !== "object") return undefined;
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !OBJECT_KEYWORDS.has(keyword)) return undefined;
  }
  // Unknown fields always go the full way, so `additionalProperties` may be false, true or absent.
  if (schema.additionalProperties !== undefined && typeof schema.additionalProperties !== "boolean")
    return undefined;
  const properties = schema.properties ?? {};
  if (!isPlainObject(properties)) return undefined;
  const fields: FieldRule[] = [];
  const byName = new Map<string, number>();
  for (const name of Object.keys(properties)) {
    if (name === "__proto__" || hasSpecialCharacters(name)) return undefined;
    const field = fieldRule(name, properties[name], coerce);
    if (field === undefined) return undefined;
    byName.set(name, fields.length);
    fields.push(field);
  }
  const required: number[] = [];
  const names = schema.required ?? [];
  if (!Array.isArray(names)) return undefined;
  for (const name of names) {
    const index = typeof name === "string" ? byName.get(name) : undefined;
    if (index === undefined) return undefined; // required but undeclared: let the full path decide
    required.push(index);
  }
  return { fields, byName, required, seen: new Array<number>(fields.length).fill(0) };
}

function fieldRule(name: string, schema: unknown, coerce: boolean): FieldRule | undefined {
  if (!isPlainObject(schema)) return undefined;
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !FIELD_KEYWORDS.has(keyword)) return undefined;
  }
  const typeNames = typeof schema.type === "string" ? [schema.type] : schema.type;
  if (!Array.isArray(typeNames) || typeNames.length === 0) return undefined;
  let types = 0;
  for (const t of typeNames) {
    const bits = typeof t === "string" ? TYPE_BITS[t] : undefined;
    if (bits === undefined) return undefined;
    types |= bits;
  }
  const numberBound = (keyword: string, otherwise: number): number | undefined => {
    const value = schema[keyword];
    if (value === undefined) return otherwise;
    return typeof value === "number" && Number.isFinite(value) ? value : undefined;
  };
  const minLength = numberBound("minLength", 0);
  const maxLength = numberBound("maxLength", Number.POSITIVE_INFINITY);
  const minimum = numberBound("minimum", Number.NEGATIVE_INFINITY);
  const maximum = numberBound("maximum", Number.POSITIVE_INFINITY);
  const exclusiveMinimum = numberBound("exclusiveMinimum", Number.NEGATIVE_INFINITY);
  const exclusiveMaximum = numberBound("exclusiveMaximum", Number.POSITIVE_INFINITY);
  if (
    minLength === undefined ||
    maxLength === undefined ||
    minimum === undefined ||
    maximum === undefined ||
    exclusiveMinimum === undefined ||
    exclusiveMaximum === undefined
  ) {
    return undefined;
  }
  let enumValues: Set<unknown> | undefined;
  if (schema.enum !== undefined) {
    if (!Array.isArray(schema.enum)) return undefined;
    for (const value of schema.enum) {
      if (typeof value === "object" && value !== null) return undefined;
    }
    enumValues = new Set(schema.enum);
  }
  let object: ObjectRule | undefined;
  if ((types & OBJECT) !== 0) {
    // The scalar bounds above do not apply to an object; its own keywords go to its rule.
    const objectSchema: Record<string, unknown> = { type: "object" };
    for (const keyword of ["properties", "required", "additionalProperties"]) {
      if (schema[keyword] !== undefined) objectSchema[keyword] = schema[keyword];
    }
    object = objectRule(objectSchema, coerce);
    if (object === undefined) return undefined;
  } else if (schema.properties !== undefined || schema.required !== undefined) {
    return undefined;
  }
  return {
    name,
    nameBytes: Buffer.from(name, "latin1"),
    types,
    minLength,
    maxLength,
    minimum,
    maximum,
    exclusiveMinimum,
    exclusiveMaximum,
    enumValues,
    enumStrings:
      enumValues === undefined
        ? undefined
        : [...enumValues].filter((v) => typeof v === "string").map((v) => Buffer.from(v as string)),
    coerced: coerce && (types & (NUMBER | INTEGER)) !== 0,
    object,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A field name needing an escape in JSON (or non-ASCII, compared as sent): such schemas get no check. */
function hasSpecialCharacters(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return true;
  }
  return name.length === 0;
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
class LineScanner {
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
    const time = toEventTime(this.eventValue);
    return time === undefined ? undefined : time;
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
      if ((field.types & NUMBER) === 0 && value % 1 !== 0) return -1;
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
