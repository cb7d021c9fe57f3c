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
 * The rules compiled here are applied by line-scanner.ts.
 */
import {
  BOOLEAN,
  type FieldRule,
  INTEGER,
  LineScanner,
  NULL,
  NUMBER,
  OBJECT,
  type ObjectRule,
  STRING,
} from "./line-scanner.js";
import { nativeLineScan } from "./native-line-scanner.js";
import type { RecordLimits } from "./record-limits.js";
import type { StreamDefinition } from "./stream-definition.js";

/**
 * The event time of an accepted line, `bytes[start..end)` without its newline (null when it has none), or
 * undefined when the line must go the full way, e.g.
 * `check(Buffer.from('{"deviceId":"d1","temp":21.5,"ts":1714557600000}'), 0, 48)` → 1714557600000.
 */
export type LineCheck = ((bytes: Buffer, start: number, end: number) => number | null | undefined) & {
  /**
   * When the native scanner runs the check: many lines answered in one call (NdjsonLines uses it), with
   * the same answers as the function.
   */
  readonly lines?: LineBatchCheck;
};

/**
 * Many lines at once, e.g. `const n = lines.scan(bytes, 0, bytes.length)`, then for i < n `lines.lineEnd(i)` (its
 * newline, or the end) and `lines.answer(i, bytes)` (as a LineCheck answers line i without its newline and a
 * trailing "\r"); it may answer fewer lines than there are: scan again after the last one answered.
 */
export interface LineBatchCheck {
  scan(bytes: Buffer, start: number, end: number): number;
  lineEnd(i: number): number;
  answer(i: number, bytes: Buffer): number | null | undefined;
}

/** How to compile a line check, e.g. `compileLineCheck(stream, limits, { scanner: "javascript" })`. */
export interface LineCheckOptions {
  /**
   * Which scanner runs the check: the native one (native-line-scanner.ts) when it is built, else the
   * JavaScript one (default); `javascript` always; `native` only (no check when it is not built: for tests).
   */
  readonly scanner?: "native" | "javascript";
}

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

/**
 * The line check of a stream, or undefined when its schema, cleansing or policies are outside what a check
 * can decide (then every line goes the full way), e.g. `compileLineCheck(stream, limits)`.
 */
export function compileLineCheck(
  stream: StreamDefinition,
  limits: RecordLimits,
  options: LineCheckOptions = {},
): LineCheck | undefined {
  // Any `pii` (even `{}`, which the server still gives a protector) keeps records going the full way.
  if (stream.pii !== undefined) return undefined;
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
  const trim = cleanse.trim === true;
  if (options.scanner !== "javascript") {
    const native = nativeLineScan(root, { trim, maxDepth: limits.maxDepth, eventField, defaultFields });
    if (native !== undefined) return Object.assign(native.line, { lines: native.batch });
    if (options.scanner === "native") return undefined;
  }
  const scanner = new LineScanner(trim, limits.maxDepth);
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
