/**
 * JSON for internal store data (checkpoint snapshots, keyed state): exact round trips of what plain JSON
 * loses. NaN, ±Infinity and -0 become `{"$num":"NaN"}` etc., bigints `{"$big":"12"}`, Maps
 * `{"$map":[[k,v],...]}`, Sets `{"$set":[...]}`, Dates `{"$date":ms}`, `undefined` at the top or in an array
 * `{"$undef":0}`. A user object key starting with `$` is written with one more `$` (`"$x"` → `"$$x"`), so a
 * user object can never be mistaken for a tag. Text without any `"$` is plain JSON and parses fast.
 */

const TAG_PREFIX = 36; // "$"

function replacer(this: unknown, key: string, value: unknown): unknown {
  switch (typeof value) {
    case "number":
      if (value !== 0 && Number.isFinite(value)) return value;
      if (value === 0) return Object.is(value, -0) ? { $num: "-0" } : 0;
      return { $num: String(value) };
    case "bigint":
      return { $big: value.toString() };
    case "undefined":
      // In an object an undefined property is left out, as JSON does; elsewhere it is kept.
      return key === "" || Array.isArray(this) ? { $undef: 0 } : undefined;
    case "string": {
      // A Date reaches the replacer already turned into a string by its toJSON; the holder has the Date.
      const raw = (this as Record<string, unknown>)[key];
      if (raw instanceof Date) return { $date: raw.getTime() };
      return value;
    }
    case "object":
      if (value === null || Array.isArray(value)) return value;
      if (value instanceof Map) return { $map: [...value] };
      if (value instanceof Set) return { $set: [...value] };
      return escapeKeys(value as Record<string, unknown>);
    default:
      return value;
  }
}

/** A copy of `obj` with every key that starts with `$` given one more `$`; `obj` itself when there is none. */
function escapeKeys(obj: Record<string, unknown>): Record<string, unknown> {
  let escaped: Record<string, unknown> | undefined;
  for (const k in obj) {
    if (k.charCodeAt(0) === TAG_PREFIX) {
      escaped = {};
      break;
    }
  }
  if (escaped === undefined) return obj;
  for (const k of Object.keys(obj)) escaped[k.charCodeAt(0) === TAG_PREFIX ? `$${k}` : k] = obj[k];
  return escaped;
}

/** What `{"$undef":0}` decodes to until its holder is revived (a reviver returning undefined leaves holes). */
const UNDEFINED = Symbol("undefined");

function reviver(_key: string, value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (value[i] === UNDEFINED) value[i] = undefined;
    return value;
  }
  const obj = value as Record<string, unknown>;
  let tagged = false;
  for (const k in obj) {
    if (k.charCodeAt(0) === TAG_PREFIX) {
      tagged = true;
      break;
    }
  }
  if (!tagged) return value;
  const keys = Object.keys(obj);
  if (keys.length === 1 && keys[0]!.charCodeAt(1) !== TAG_PREFIX) return decodeTag(keys[0]!, obj[keys[0]!]);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k.charCodeAt(0) === TAG_PREFIX ? k.slice(1) : k] = obj[k];
  return out;
}

function decodeTag(tag: string, payload: unknown): unknown {
  switch (tag) {
    case "$num":
      return Number(payload as string);
    case "$big":
      return BigInt(payload as string);
    case "$map":
      return new Map(payload as Array<[unknown, unknown]>);
    case "$set":
      return new Set(payload as unknown[]);
    case "$date":
      return new Date(payload as number);
    case "$undef":
      return UNDEFINED;
    default:
      throw new SyntaxError(
        `stored JSON has an unknown tag ${JSON.stringify(tag)}: written by a newer Sluice?`,
      );
  }
}

/** Encodes a value exactly, e.g. `encodeJson({ max: -Infinity })` → `{"max":{"$num":"-Infinity"}}`. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, replacer) as string;
}

/** Decodes `encodeJson`'s output, e.g. `decodeJson('{"max":{"$num":"-Infinity"}}')` → `{ max: -Infinity }`. */
export function decodeJson(text: string): unknown {
  if (!text.includes('"$')) return JSON.parse(text);
  const value = JSON.parse(text, reviver);
  return value === UNDEFINED ? undefined : value;
}

/**
 * The text of a key, equal for equal keys whatever their objects' property order, and different for keys of
 * different types, e.g. `canonicalJson(1)` → `1`, `canonicalJson("1")` → `"1"`, `{b,a}` and `{a,b}` alike.
 * -0 is 0, as in a Map.
 */
export function canonicalJson(key: unknown): string {
  switch (typeof key) {
    case "string":
      return JSON.stringify(key);
    case "number":
      return Number.isFinite(key) ? JSON.stringify(key) : encodeJson(key);
    case "object":
      return key === null ? "null" : encodeJson(sortKeys(key));
    default:
      return encodeJson(key);
  }
}

function sortKeys(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return Object.is(value, -0) ? 0 : value;
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [sortKeys(k), sortKeys(v)]));
  if (value instanceof Set || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out;
}
