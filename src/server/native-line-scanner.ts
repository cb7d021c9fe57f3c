/**
 * The line check's scanner compiled to native code (`native/line_scanner.h`, with its Node-API functions in
 * `native/line_scanner_addon.cc`; `npm install` builds it through node-gyp): the same rules as line-scanner.ts,
 * answered the same way, at a fraction of the cost — scanning was the largest part of ingestion's CPU time.
 * When the addon is not built (no C++ compiler on the machine, or a failed build), `nativeLineScan` answers
 * undefined, `nativeLineScannerError()` says why, and the line check runs line-scanner.ts, which stays the
 * reference: tests check that both give the same answers on random lines.
 */
import { createRequire } from "node:module";
import type { LineBatchCheck } from "./line-check.js";
import type { FieldRule, ObjectRule } from "./line-scanner.js";
import { toEventTime } from "./stream-definition.js";

interface NativeAddon {
  createScanner(spec: NativeScannerSpec): object;
  /** Answers many lines in one call: four slots per line in `out` (see native/line_scanner_addon.cc). */
  checkLines(scanner: object, bytes: Uint8Array, start: number, end: number, out: Float64Array): number;
}

/** The rules as the addon reads them: objects flattened into a list, nested ones referred to by index. */
interface NativeScannerSpec {
  readonly objects: Array<{ fields: NativeFieldSpec[]; required: readonly number[] }>;
  readonly trim: boolean;
  readonly maxDepth: number;
  readonly eventField: number;
  readonly defaultFields: readonly number[];
}

/** A field's rule as the addon reads it: its bounds as they are, its enum split by type, its object by index. */
interface NativeFieldSpec
  extends Pick<
    FieldRule,
    | "nameBytes"
    | "types"
    | "minLength"
    | "maxLength"
    | "minimum"
    | "maximum"
    | "exclusiveMinimum"
    | "exclusiveMaximum"
    | "coerced"
  > {
  readonly hasEnum: boolean;
  readonly enumStrings: readonly Uint8Array[];
  readonly enumNumbers: readonly number[];
  readonly enumTrue: boolean;
  readonly enumFalse: boolean;
  readonly enumNull: boolean;
  readonly object: number;
}

/** The line check of one line, e.g. `scan(bytes, 0, bytes.length)` → 1714557600000. */
export type NativeLineScan = (bytes: Buffer, start: number, end: number) => number | null | undefined;

/** Lines answered per native call: a call costs about as much as scanning a short line, so many go at once. */
const LINES_PER_CALL = 1024;

/**
 * The lines of a stretch of bytes scanned in one native call, e.g. `const n = batch.scan(bytes, 0, bytes.length)`,
 * then for i < n: `batch.lineEnd(i)` (where line i ends: its newline, or the stretch's end) and
 * `batch.answer(i, bytes)` (as a LineCheck answers: the event time, null, or undefined when in doubt). A scan answers at most
 * LINES_PER_CALL lines: scan again after the last line answered. The answers hold until the next scan, and
 * only numbers are kept (no reference to the bytes, which may be a large body). One batch per stream and
 * thread is enough: a scan and the reading of its answers run without a pause in between.
 */
export class NativeLineBatch implements LineBatchCheck {
  private readonly out = new Float64Array(4 * LINES_PER_CALL);

  constructor(
    private readonly native: NativeAddon,
    private readonly scanner: object,
  ) {}

  scan(bytes: Buffer, start: number, end: number): number {
    return this.native.checkLines(this.scanner, bytes, start, end, this.out);
  }

  lineEnd(i: number): number {
    return this.out[4 * i]!;
  }

  /** Line i's answer; `bytes` are those of the scan (a string event time is read from them). */
  answer(i: number, bytes: Buffer): number | null | undefined {
    const at = 4 * i;
    switch (this.out[at + 1]) {
      case 1:
        return null;
      case 2:
        return toEventTime(this.out[at + 2]);
      case 3:
        return toEventTime(bytes.toString("utf8", this.out[at + 2], this.out[at + 3]));
      default:
        return undefined;
    }
  }
}

let addon: NativeAddon | null | undefined;
/** Why the addon could not be loaded (when it could not). */
let loadError: string | undefined;

/** The addon, or undefined when it is not built here (or does not load: `loadError` says why). */
function loadAddon(): NativeAddon | undefined {
  if (addon === undefined) {
    try {
      // From dist/src/server/ to the package root, where node-gyp builds it.
      addon = createRequire(import.meta.url)(
        "../../../build/Release/sluice_line_scanner.node",
      ) as NativeAddon;
    } catch (error) {
      addon = null;
      loadError = (error as Error).message;
    }
  }
  return addon ?? undefined;
}

/**
 * Whether the native scanner is built and loads here (line checks then use it unless told otherwise), e.g.
 * `if (!nativeLineScannerAvailable()) console.warn(nativeLineScannerError())`.
 */
export function nativeLineScannerAvailable(): boolean {
  return loadAddon() !== undefined;
}

/** Why the native scanner is not available (e.g. "Cannot find module ..."), or undefined when it is. */
export function nativeLineScannerError(): string | undefined {
  loadAddon();
  return loadError;
}

/**
 * A native scan over the rules, of one line and of many, or undefined when the addon is not built, e.g.
 * `nativeLineScan(root, { trim: true, maxDepth: 32, eventField: 2, defaultFields: [] })?.line(bytes, 0, n)`.
 */
export function nativeLineScan(
  root: ObjectRule,
  options: { trim: boolean; maxDepth: number; eventField: number; defaultFields: readonly number[] },
): { line: NativeLineScan; batch: NativeLineBatch } | undefined {
  const native = loadAddon();
  if (native === undefined) return undefined;
  const objects: NativeScannerSpec["objects"] = [];
  const flatten = (rule: ObjectRule): number => {
    const index = objects.length;
    const entry = { fields: [] as NativeFieldSpec[], required: rule.required };
    objects.push(entry);
    for (const field of rule.fields) {
      // The bounds go as they are; the enum is split by type, the nested object given by its index.
      const { enumValues, enumStrings, object, ...bounds } = field;
      const allowed = enumValues === undefined ? [] : [...enumValues];
      entry.fields.push({
        ...bounds,
        hasEnum: enumValues !== undefined,
        enumStrings: enumStrings ?? [],
        enumNumbers: allowed.filter((v): v is number => typeof v === "number"),
        enumTrue: allowed.includes(true),
        enumFalse: allowed.includes(false),
        enumNull: allowed.includes(null),
        object: object === undefined ? -1 : flatten(object),
      });
    }
    return index;
  };
  flatten(root);
  const scanner = native.createScanner({ objects, ...options });
  const batch = new NativeLineBatch(native, scanner);
  // One line is a stretch of one line (one holding a newline is in doubt, as a line must not).
  const line: NativeLineScan = (bytes, start, end) =>
    batch.scan(bytes, start, end) === 1 && batch.lineEnd(0) === end ? batch.answer(0, bytes) : undefined;
  return { line, batch };
}
