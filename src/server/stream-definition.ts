/**
 * Streams as declared resources: a name, a JSON Schema (compiled once, with ajv and ajv-formats), an optional
 * key field and event-time field, partitions, retention, PII policies, and cleansing steps (trim, coerce
 * numeric strings, defaults, drop unknown fields) that run before validation. `validateRecord` is what
 * ingestion calls for every record.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { retentionPolicy, type StreamRetention } from "../store/retention.js";
import { checkPiiPolicies, type PiiPolicies } from "./pii-policy.js";

/** Cleansing applied to a record before it is validated, in this order: drop, trim, coerce, defaults. */
export interface CleanseOptions {
  /** Trim leading and trailing white space of every string value. */
  readonly trim?: boolean;
  /** Turn numeric strings ("21.5") into numbers where the schema says `number` or `integer`. */
  readonly coerceNumbers?: boolean;
  /** Values for top-level fields that are missing (undefined), e.g. `{ unit: "C" }`. */
  readonly defaults?: Readonly<Record<string, unknown>>;
  /** Delete properties the schema does not declare (where it declares `properties`). */
  readonly dropUnknown?: boolean;
}

/** A JSON Schema (draft 7 / 2019 keywords ajv understands). */
export type JsonSchema = Readonly<Record<string, unknown>>;

export interface StreamSpec {
  /** Letters, digits, `_`, `-` and `.`, up to 128 characters, e.g. "readings". */
  readonly name: string;
  readonly schema: JsonSchema;
  /** The field holding the record's key, e.g. "deviceId". */
  readonly key?: string;
  /** The field holding the record's event time: epoch milliseconds or an ISO-8601 string. */
  readonly eventTime?: string;
  readonly cleanse?: CleanseOptions;
  /**
   * Per-field PII policies applied after validation and before anything is written, e.g.
   * `{ "card.number": "hash", email: "mask", ssn: "drop", name: "encrypt" }` (see pii-policy.ts).
   */
  readonly pii?: PiiPolicies;
  /**
   * How many partitions the stream's keys are spread over (default 1; more needs `key`): partition =
   * FNV-1a 32-bit hash of the key mod partitions, as `partitionOf` computes it. The embedded store keeps one
   * ordered log per stream; partitions are the unit of scale-out.
   */
  readonly partitions?: number;
  /** How much of the stream's log to keep, e.g. `{ maxAge: "7d", maxBytes: 10e9 }` (default: everything). */
  readonly retention?: StreamRetention;
}

/** A record that passed: cleansed, with its event time (null when the stream has none or the field is absent). */
export interface ValidRecord {
  readonly ok: true;
  readonly record: unknown;
  readonly eventTime: number | null;
  /** Cleansing changed the record: its text as sent no longer stands for it. */
  readonly changed: boolean;
}

/** A record that failed, with a reason naming the field, e.g. `/temp: must be number`. */
export interface InvalidRecord {
  readonly ok: false;
  readonly reason: string;
}

export type RecordValidation = ValidRecord | InvalidRecord;

/** A declared stream, as made by `defineStream`. */
export interface StreamDefinition extends StreamSpec {
  readonly partitions: number;
  /** The partition of a key value, e.g. `readings.partitionOf("sensor-7")` → 0 … partitions − 1. */
  partitionOf(key: unknown): number;
  /** Cleanses (in place: pass a record you own, e.g. one just parsed) and validates a record. */
  validateRecord(record: unknown): RecordValidation;
  /**
   * As `validateRecord`, but ignoring what the schema says about the fields at `exempt` (dotted paths, as in
   * `pii`): for dead letters being replayed, whose hashed, masked or dropped fields no longer hold the values
   * the schema was written for, e.g. `stream.validateReplayed(record, ["card.number"])`.
   */
  validateReplayed(record: unknown, exempt: readonly string[]): RecordValidation;
}

const STREAM_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const MAX_PARTITIONS = 1024;
const NUMERIC = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

let sharedAjv: Ajv | undefined;
let allErrorsAjv: Ajv | undefined;

/** One ajv instance for every stream: compiled validators are cached by it. */
function ajv(): Ajv {
  if (sharedAjv === undefined) {
    sharedAjv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
    // ajv-formats is CommonJS: under NodeNext its default import is the module object.
    addFormatsModule.default(sharedAjv);
  }
  return sharedAjv;
}

/** One reporting every error, for replays that skip some fields' errors (compiled only when a replay needs it). */
function ajvAllErrors(): Ajv {
  if (allErrorsAjv === undefined) {
    allErrorsAjv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormatsModule.default(allErrorsAjv);
  }
  return allErrorsAjv;
}

/**
 * Declares a stream, compiling its schema once, e.g.
 * `defineStream({ name: "readings", schema: { type: "object", properties: { temp: { type: "number" } } },
 * eventTime: "ts", cleanse: { trim: true, coerceNumbers: true } })`. Throws on a bad name or schema.
 */
export function defineStream(spec: StreamSpec): StreamDefinition {
  const { name, schema, key, eventTime, cleanse, pii, retention } = spec;
  const partitions = spec.partitions ?? 1;
  if (typeof name !== "string" || !STREAM_NAME.test(name)) {
    throw new RangeError(
      `stream name ${JSON.stringify(name)}: use 1-128 letters, digits, "_", "-" or "." (e.g. "readings")`,
    );
  }
  if (pii !== undefined) {
    checkPiiPolicies(name, pii);
    if (schema.type !== "object") {
      throw new TypeError(
        `stream ${JSON.stringify(name)}: PII policies need a schema of "type": "object", so every accepted record is an object they can walk`,
      );
    }
  }
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
    throw new RangeError(
      `stream ${JSON.stringify(name)}: partitions must be an integer from 1 to ${MAX_PARTITIONS}, got ${partitions}`,
    );
  }
  if (partitions > 1 && key === undefined) {
    throw new RangeError(`stream ${JSON.stringify(name)}: ${partitions} partitions need a key field ("key")`);
  }
  if (retention !== undefined) retentionPolicy(name, retention);
  let validate: ValidateFunction;
  try {
    validate = ajv().compile(schema);
  } catch (error) {
    throw new TypeError(`stream ${JSON.stringify(name)}: invalid JSON Schema: ${(error as Error).message}`);
  }
  const cleanseRecord = cleanse === undefined ? undefined : cleanser(schema, cleanse);
  let validateAll: ValidateFunction | undefined;
  const withEventTime = (record: unknown, changed: boolean): RecordValidation => {
    if (eventTime === undefined) return { ok: true, record, eventTime: null, changed };
    const raw = isObject(record) ? record[eventTime] : undefined;
    if (raw === undefined || raw === null) return { ok: true, record, eventTime: null, changed };
    const time = toEventTime(raw);
    if (time === undefined) {
      return {
        ok: false,
        reason: `/${eventTime}: event time must be epoch milliseconds or an ISO-8601 date-time`,
      };
    }
    return { ok: true, record, eventTime: time, changed };
  };
  const definition: StreamDefinition = {
    name,
    schema,
    ...(key === undefined ? {} : { key }),
    ...(eventTime === undefined ? {} : { eventTime }),
    ...(cleanse === undefined ? {} : { cleanse }),
    ...(pii === undefined ? {} : { pii }),
    ...(retention === undefined ? {} : { retention }),
    partitions,
    partitionOf(keyValue: unknown): number {
      return partitions === 1
        ? 0
        : fnv1a(typeof keyValue === "string" ? keyValue : JSON.stringify(keyValue)) % partitions;
    },
    validateRecord(record: unknown): RecordValidation {
      const changed = cleanseRecord?.(record) === true;
      if (!validate(record)) return { ok: false, reason: describeError(validate.errors?.[0]) };
      return withEventTime(record, changed);
    },
    validateReplayed(record: unknown, exempt: readonly string[]): RecordValidation {
      if (exempt.length === 0) return definition.validateRecord(record);
      const changed = cleanseRecord?.(record) === true;
      validateAll ??= ajvAllErrors().compile(schema);
      if (!validateAll(record)) {
        const exemptPaths = exempt.map((path) => path.split("."));
        const left = (validateAll.errors ?? []).filter((error) => !aboutExemptField(error, exemptPaths));
        if (left.length > 0) return { ok: false, reason: describeError(left[0]) };
      }
      return withEventTime(record, changed);
    },
  };
  return definition;
}

/** Epoch ms from a number or an ISO-8601 string, or undefined when it is neither. */
export function toEventTime(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && value.length <= 64 && /^\d{4}-\d{2}-\d{2}/.test(value)) {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

/** A reason naming the field, e.g. `/temp: must be number`, `/deviceId: is required`. */
function describeError(error: ErrorObject | undefined): string {
  if (error === undefined) return "/: does not match the schema";
  const at = error.instancePath === "" ? "" : error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "required") return `${at}/${String(params.missingProperty)}: is required`;
  if (error.keyword === "additionalProperties") {
    return `${at}/${String(params.additionalProperty)}: is not allowed`;
  }
  return `${at === "" ? "/" : at}: ${error.message ?? "does not match the schema"}`;
}

/**
 * Whether an error is about a field at (or under) one of `exempt`, e.g. `/card/number: must match pattern` or
 * `/card/number: is required` for `card.number`; array indices in the error's path are skipped.
 */
function aboutExemptField(error: ErrorObject, exempt: readonly string[][]): boolean {
  const at = error.instancePath
    .split("/")
    .slice(1)
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"))
    .filter((segment) => !/^\d+$/.test(segment));
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "required") at.push(String(params.missingProperty));
  else if (error.keyword === "dependencies" || error.keyword === "dependentRequired") {
    at.push(String(params.missingProperty));
  }
  return exempt.some((path) => path.length <= at.length && path.every((segment, i) => at[i] === segment));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function typesOf(schema: unknown): string[] {
  if (!isObject(schema)) return [];
  const type = schema.type;
  if (typeof type === "string") return [type];
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === "string") : [];
}

/**
 * A function cleansing a record in place, following the schema's `properties` into nested objects; it
 * returns whether it changed anything.
 */
function cleanser(schema: JsonSchema, options: CleanseOptions): (record: unknown) => boolean {
  const { trim = false, coerceNumbers = false, defaults, dropUnknown = false } = options;
  const visit = (value: Record<string, unknown>, level: unknown): boolean => {
    let changed = false;
    const properties = isObject(level) && isObject(level.properties) ? level.properties : undefined;
    for (const name of Object.keys(value)) {
      const propertySchema = properties?.[name];
      if (dropUnknown && properties !== undefined && !Object.hasOwn(properties, name)) {
        delete value[name];
        changed = true;
        continue;
      }
      const v = value[name];
      if (typeof v === "string") {
        const text = trim ? v.trim() : v;
        let cleansed: string | number = text;
        if (coerceNumbers) {
          const types = typesOf(propertySchema);
          const candidate = text.trim();
          if ((types.includes("number") || types.includes("integer")) && NUMERIC.test(candidate)) {
            const n = Number(candidate);
            if (Number.isFinite(n) && (types.includes("number") || Number.isInteger(n))) cleansed = n;
          }
        }
        if (cleansed !== v) {
          value[name] = cleansed;
          changed = true;
        }
      } else if (isObject(v) && propertySchema !== undefined) {
        if (visit(v, propertySchema)) changed = true;
      }
    }
    return changed;
  };
  return (record) => {
    if (!isObject(record)) return false;
    let changed = visit(record, schema);
    if (defaults !== undefined) {
      for (const name of Object.keys(defaults)) {
        if (record[name] !== undefined) continue;
        const value = defaults[name];
        record[name] = typeof value === "object" && value !== null ? structuredClone(value) : value;
        changed = true;
      }
    }
    return changed;
  };
}

/** FNV-1a, 32 bits, over the UTF-8 bytes of the text: the partition hash clients in any language compute too. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
