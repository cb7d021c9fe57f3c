/**
 * A stream's line check: accepts an NDJSON line straight from its text, without building the record, when
 * the stream's schema is made of plain fields (strings, numbers, booleans, nulls and nested objects of them,
 * with the usual bounds) and the line is plain too. It answers only what the full path — `JSON.parse`, the
 * record limits, cleansing, the schema, the event time — would answer for an accepted record, and stays
 * silent otherwise: any line it is not sure of (an escape in a string, an array, an unknown field, a value
 * cleansing would change, anything the schema rejects) goes the full way, which gives the reasons. So an
 * accepted line is stored as sent, with the event time computed here, and a rejected one is reported exactly
 * as before. Parsing and validating a record dominated ingestion's CPU profile; scanning its text once does
 * the same work for the common case at a fraction of the cost.
 *
 * Streams with PII policies get no line check: their records must be built to be protected.
 */
import type { RecordLimits } from "./record-limits.js";
import { type StreamDefinition, toEventTime } from "./stream-definition.js";

/**
 * The event time of an accepted line (null when it has none), or undefined when the line must go the full
 * way, e.g. `check('{"deviceId":"d1","temp":21.5,"ts":1714557600000}')` → 1714557600000.
 */
export type LineCheck = (line: string) => number | null | undefined;

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
  /** The strings among them (undefined when there is no enum), compared in place. */
  readonly enumStrings: readonly string[] | undefined;
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
  return (line) => scanner.check(line, root, eventField, defaultFields);
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
    types,
    minLength,
    maxLength,
    minimum,
    maximum,
    exclusiveMinimum,
    exclusiveMaximum,
    enumValues,
    enumStrings: enumValues === undefined ? undefined : [...enumValues].filter((v) => typeof v === "string"),
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

/** Scans one line at a time; `pos` walks the text, and any doubt makes `check` answer undefined. */
class LineScanner {
  private text = "";
  private pos = 0;
  private stamp = 0;
  /** The event-time field's value when it is a number or string (else undefined). */
  private eventValue: number | string | null | undefined;
  private eventSeen = false;

  constructor(
    private readonly trim: boolean,
    private readonly maxDepth: number,
  ) {}

  check(
    line: string,
    root: ObjectRule,
    eventField: number,
    defaultFields: readonly number[],
  ): number | null | undefined {
    this.text = line;
    this.pos = 0;
    this.eventValue = undefined;
    this.eventSeen = false;
    this.skipSpace();
    if (line.charCodeAt(this.pos) !== 0x7b) return undefined;
    const stamp = this.scanObject(root, 1, eventField);
    if (stamp === 0) return undefined;
    this.skipSpace();
    if (this.pos !== line.length) return undefined;
    for (const index of defaultFields) {
      if (root.seen[index] !== stamp) return undefined; // cleansing would fill it in
    }
    if (!this.eventSeen || this.eventValue === null) return null;
    const time = toEventTime(this.eventValue);
    return time === undefined ? undefined : time;
  }

  private skipSpace(): void {
    const text = this.text;
    let c = text.charCodeAt(this.pos);
    while (c === 32 || c === 9 || c === 10 || c === 13) c = text.charCodeAt(++this.pos);
  }

  /**
   * Scans an object at `pos` (its "{") against a rule; returns the stamp its fields were marked with, or 0
   * when in doubt. `eventField` is the index of the event-time field at this level (-1: none here).
   */
  private scanObject(rule: ObjectRule, depth: number, eventField: number): number {
    if (depth > this.maxDepth) return 0;
    const text = this.text;
    const stamp = ++this.stamp;
    const seen = rule.seen;
    const fields = rule.fields;
    this.pos++;
    this.skipSpace();
    let expected = 0;
    if (text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
    } else {
      for (;;) {
        if (text.charCodeAt(this.pos) !== 0x22) return 0;
        // The field: usually the next one the schema declares, so try that before a lookup.
        let index = -1;
        const start = this.pos + 1;
        if (expected < fields.length) {
          const name = fields[expected]!.name;
          if (text.charCodeAt(start + name.length) === 0x22 && sameAt(text, start, name)) index = expected;
        }
        let end: number;
        if (index >= 0) {
          end = start + fields[index]!.name.length;
        } else {
          end = this.stringEnd(start);
          if (end < 0) return 0;
          index = rule.byName.get(text.slice(start, end)) ?? -1;
          if (index < 0) return 0; // an unknown field: cleansing or the schema may have a say
        }
        if (seen[index] === stamp) return 0; // a field twice: JSON.parse keeps the last
        seen[index] = stamp;
        expected = index + 1;
        this.pos = end + 1;
        this.skipSpace();
        if (text.charCodeAt(this.pos) !== 0x3a) return 0;
        this.pos++;
        this.skipSpace();
        if (!this.scanValue(fields[index]!, depth, index === eventField)) return 0;
        this.skipSpace();
        const c = text.charCodeAt(this.pos);
        if (c === 0x2c) {
          this.pos++;
          this.skipSpace();
          continue;
        }
        if (c !== 0x7d) return 0;
        this.pos++;
        break;
      }
    }
    for (const index of rule.required) {
      if (seen[index] !== stamp) return 0;
    }
    return stamp;
  }

  /** The index of the closing quote of a string starting at `start`, or -1 for an escape or control character. */
  private stringEnd(start: number): number {
    const text = this.text;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) return i;
      if (c < 0x20 || c === 0x5c) return -1;
    }
    return -1;
  }

  /** Scans one value at `pos` against a field's rule; false when in doubt. */
  private scanValue(field: FieldRule, depth: number, isEventTime: boolean): boolean {
    const text = this.text;
    const c = text.charCodeAt(this.pos);
    if (c === 0x22) {
      const start = this.pos + 1;
      const end = this.stringEnd(start);
      if (end < 0 || (field.types & STRING) === 0 || field.coerced) return false;
      if (this.trim && end > start) {
        if (isTrimmedSpace(text.charCodeAt(start)) || isTrimmedSpace(text.charCodeAt(end - 1))) return false;
      }
      this.pos = end + 1;
      // UTF-16 units ≥ code points ≥ units / 2: count only when the bounds cannot tell.
      const units = end - start;
      if (units > field.maxLength || units < field.minLength * 2) {
        const length = codePoints(text, start, end);
        if (length < field.minLength || length > field.maxLength) return false;
      }
      const allowed = field.enumStrings;
      if (allowed !== undefined) {
        let found = false;
        for (let i = 0; i < allowed.length && !found; i++) {
          found = allowed[i]!.length === units && sameAt(text, start, allowed[i]!);
        }
        if (!found) return false;
      }
      if (isEventTime) {
        this.eventSeen = true;
        this.eventValue = text.slice(start, end);
      }
      return true;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const value = this.scanNumber();
      if (value === undefined || (field.types & (NUMBER | INTEGER)) === 0) return false;
      if ((field.types & NUMBER) === 0 && value % 1 !== 0) return false;
      if (value < field.minimum || value > field.maximum) return false;
      if (value <= field.exclusiveMinimum || value >= field.exclusiveMaximum) return false;
      if (field.enumValues !== undefined && !field.enumValues.has(value)) return false;
      if (isEventTime) {
        this.eventSeen = true;
        this.eventValue = value;
      }
      return true;
    }
    if (c === 0x7b) {
      if (field.object === undefined || isEventTime) return false;
      return this.scanObject(field.object, depth + 1, -1) !== 0;
    }
    if (c === 0x74 && text.startsWith("true", this.pos))
      return this.literal(field, 4, true, BOOLEAN, isEventTime);
    if (c === 0x66 && text.startsWith("false", this.pos))
      return this.literal(field, 5, false, BOOLEAN, isEventTime);
    if (c === 0x6e && text.startsWith("null", this.pos)) {
      if (!this.literal(field, 4, null, NULL, false)) return false;
      if (isEventTime) {
        this.eventSeen = true;
        this.eventValue = null;
      }
      return true;
    }
    return false;
  }

  private literal(
    field: FieldRule,
    length: number,
    value: unknown,
    type: number,
    isEventTime: boolean,
  ): boolean {
    if ((field.types & type) === 0 || isEventTime) return false;
    if (field.enumValues !== undefined && !field.enumValues.has(value)) return false;
    this.pos += length;
    return true;
  }

  /**
   * The number at `pos` in JSON's grammar, moving past it; undefined when it is not one or is not finite.
   * Up to 15 significant digits and no exponent, the value is computed here: an integer below 2^53 divided by
   * an exact power of ten is correctly rounded, as JSON.parse rounds. Anything else goes through Number().
   */
  private scanNumber(): number | undefined {
    const text = this.text;
    const start = this.pos;
    let p = start;
    let negative = false;
    if (text.charCodeAt(p) === 0x2d) {
      negative = true;
      p++;
    }
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    let c = text.charCodeAt(p);
    if (c === 0x30) {
      c = text.charCodeAt(++p);
    } else if (c >= 0x31 && c <= 0x39) {
      do {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        c = text.charCodeAt(++p);
      } while (c >= 0x30 && c <= 0x39);
    } else {
      return undefined;
    }
    if (c === 0x2e) {
      c = text.charCodeAt(++p);
      if (!(c >= 0x30 && c <= 0x39)) return undefined;
      do {
        mantissa = mantissa * 10 + (c - 0x30);
        if (mantissa !== 0) digits++;
        scale++;
        c = text.charCodeAt(++p);
      } while (c >= 0x30 && c <= 0x39);
    }
    let exact = digits <= 15 && scale <= 22;
    if (c === 0x65 || c === 0x45) {
      exact = false;
      c = text.charCodeAt(++p);
      if (c === 0x2b || c === 0x2d) c = text.charCodeAt(++p);
      if (!(c >= 0x30 && c <= 0x39)) return undefined;
      do c = text.charCodeAt(++p);
      while (c >= 0x30 && c <= 0x39);
    }
    this.pos = p;
    if (!exact) {
      const value = Number(text.slice(start, p));
      return Number.isFinite(value) ? value : undefined;
    }
    const magnitude = scale === 0 ? mantissa : mantissa / POWERS_OF_TEN[scale]!;
    return negative ? -magnitude : magnitude;
  }
}

/** 10^0 … 10^22: exactly representable as doubles. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** Whether `text` holds `part` at `start` (String.prototype.startsWith with a position is far slower). */
function sameAt(text: string, start: number, part: string): boolean {
  for (let i = 0; i < part.length; i++) {
    if (text.charCodeAt(start + i) !== part.charCodeAt(i)) return false;
  }
  return true;
}

/** Unicode code points in `text` from `start` to `end`, as ajv counts a string's length. */
function codePoints(text: string, start: number, end: number): number {
  let n = end - start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
