import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SeededRandom } from "../nexmark/seeded-random.js";
import { compileLineCheck, type LineCheck } from "./line-check.js";
import { nativeLineScannerAvailable } from "./native-line-scanner.js";
import { checkRecordLimits, DEFAULT_RECORD_LIMITS } from "./record-limits.js";
import { type CleanseOptions, defineStream, type JsonSchema } from "./stream-definition.js";

const SENSOR: JsonSchema = {
  type: "object",
  properties: {
    deviceId: { type: "string", minLength: 2, maxLength: 12 },
    site: { type: "string" },
    ts: { type: ["integer", "string", "null"] },
    temp: { type: "number", minimum: -100, exclusiveMaximum: 1000 },
    battery: { type: "integer", minimum: 0, maximum: 100 },
    status: { type: "string", enum: ["ok", "warn", "fault"] },
    flag: { type: ["boolean", "null"] },
    device: {
      type: "object",
      properties: { os: { type: "string", minLength: 1 }, mobile: { type: "boolean" } },
      required: ["os"],
      additionalProperties: false,
    },
  },
  required: ["deviceId", "temp"],
  additionalProperties: false,
};

/**
 * Values a field may hold in a generated line, as JSON text: the first two valid, then every kind of doubtful
 * one.
 */
const VALUES: Record<string, string[]> = {
  deviceId: [
    '"d1"',
    '"device-7"',
    '"x"',
    '"a-very-long-device-id"',
    '" padded "',
    '"d\\u0031"',
    '"é😀"',
    "7",
    "null",
  ],
  site: [
    '"s1"',
    '""',
    '"x\u3000"',
    '"é"',
    '"\u00e9 "',
    '"\\"quoted\\""',
    '"tab\\t"',
    '"  "',
    '"\u00a0x"',
    "true",
    "[1]",
  ],
  ts: [
    "1714557600000",
    '"2024-05-01T10:00:00Z"',
    '"yesterday"',
    "null",
    "1.5",
    "-0",
    "1e3",
    "1E400",
    "-1e-400",
    "01",
    '"2024-13-45"',
  ],
  temp: [
    "21.5",
    "-100",
    "1000",
    "999.999",
    "0.1",
    "1e2",
    "-1e-7",
    "12345678901234567890",
    "1e400",
    "1e-400",
    '"21.5"',
    "-",
    "2.",
    ".5",
    "1.0",
  ],
  battery: ["0", "100", "101", "50.5", "50.0", "-1", "1e1", "true"],
  status: ['"ok"', '"warn"', '"OK"', '"fault "', "1", "null", '"ok\\u0000"'],
  flag: ["true", "false", "null", "0", '"true"'],
  device: [
    '{"os":"linux"}',
    '{"os":"ios","mobile":true}',
    "{}",
    '{"os":""}',
    '{"os":"x","extra":1}',
    '{ "os" : "x" }',
    "[]",
    "null",
    '{"os":"a","os":"b"}',
  ],
  extra: ["1", '"x"'],
};
const FIELDS = Object.keys(VALUES);

function randomLine(random: SeededRandom): string {
  const pick = <T>(items: readonly T[]): T => items[random.nextInt(items.length)]!;
  const parts: string[] = [];
  for (const field of FIELDS) {
    if (field === "extra" ? random.nextInt(30) !== 0 : random.nextInt(3) === 0) continue;
    const name = random.nextInt(40) === 0 ? `${field}\\u0020` : field;
    const space = random.nextInt(15) === 0 ? " " : "";
    const values = VALUES[field]!;
    const value = random.nextInt(10) < 8 ? values[random.nextInt(2)]! : pick(values);
    parts.push(`${space}"${name}"${space}:${space}${value}`);
  }
  if (random.nextInt(20) === 0) parts.push(parts[0]!); // a field twice
  if (random.nextInt(8) === 0) parts.reverse();
  let line = `{${parts.join(",")}}`;
  const damage = random.nextInt(30);
  if (damage === 0) line = line.slice(0, -1);
  if (damage === 1) line = `${line} x`;
  if (damage === 2) line = ` ${line}\t`;
  if (damage === 3) line = line.replace(",", ",,");
  return line;
}

/** What the full path (JSON.parse, limits, cleansing, schema, event time) says of a line. */
function fullPath(
  stream: ReturnType<typeof defineStream>,
  line: string,
): { accepted: boolean; changed: boolean; eventTime: number | null } {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return { accepted: false, changed: false, eventTime: null };
  }
  if (checkRecordLimits(record, DEFAULT_RECORD_LIMITS, Buffer.byteLength(line)) !== undefined) {
    return { accepted: false, changed: false, eventTime: null };
  }
  const result = stream.validateRecord(record);
  return result.ok
    ? { accepted: true, changed: result.changed, eventTime: result.eventTime }
    : { accepted: false, changed: false, eventTime: null };
}

/** The check's answer for one line, given as it would be inside a body: between other lines. */
function checkText(check: LineCheck, line: string): number | null | undefined {
  const before = Buffer.from('{"before":1}\n');
  const bytes = Buffer.concat([before, Buffer.from(line), Buffer.from('\n"after"')]);
  return check(bytes, before.length, bytes.length - '\n"after"'.length);
}

const SCANNERS = nativeLineScannerAvailable()
  ? (["javascript", "native"] as const)
  : (["javascript"] as const);

for (const scanner of SCANNERS)
  describe(`line check (${scanner} scanner)`, () => {
    const cases: Array<{ name: string; cleanse?: CleanseOptions }> = [
      { name: "no cleansing" },
      { name: "trim", cleanse: { trim: true } },
      { name: "coerce numbers", cleanse: { coerceNumbers: true, trim: true } },
      { name: "defaults", cleanse: { defaults: { site: "s0" } } },
    ];
    for (const { name, cleanse } of cases) {
      it(`accepts a line only when the full path accepts it unchanged, with the same event time (${name})`, () => {
        const stream = defineStream({
          name: "readings",
          schema: SENSOR,
          eventTime: "ts",
          ...(cleanse === undefined ? {} : { cleanse }),
        });
        const check = compileLineCheck(stream, DEFAULT_RECORD_LIMITS, { scanner });
        assert.ok(check !== undefined);
        const random = new SeededRandom(7);
        let accepted = 0;
        for (let i = 0; i < 20_000; i++) {
          const line = randomLine(random);
          const answer: number | null | undefined = checkText(check, line);
          if (answer === undefined) continue;
          accepted++;
          const full = fullPath(stream, line);
          assert.ok(full.accepted && !full.changed, `the check accepted ${line}, the full path does not`);
          assert.equal(answer, full.eventTime, `event time of ${line}`);
        }
        assert.ok(accepted > 500, `only ${accepted} lines accepted: the check decides too little`);
      });
    }

    it("reads numbers as JSON.parse does", () => {
      const stream = defineStream({
        name: "n",
        schema: { type: "object", properties: { ts: { type: "number" } } },
        eventTime: "ts",
      });
      const check = compileLineCheck(stream, DEFAULT_RECORD_LIMITS, { scanner })!;
      const random = new SeededRandom(11);
      for (let i = 0; i < 20_000; i++) {
        const digits = String(random.nextLong(10 ** (1 + random.nextInt(15))));
        const scale = random.nextInt(digits.length + 3);
        const text =
          scale === 0
            ? digits
            : `${digits.slice(0, -scale) || "0"}.${digits.slice(-scale).padStart(scale, "0")}`;
        const line = `{"ts":${random.nextInt(2) === 0 ? "-" : ""}${text}}`;
        assert.equal(checkText(check, line), JSON.parse(line).ts, line);
      }
    });

    it("leaves a line that is not UTF-8 to the full path, which names it", () => {
      const stream = defineStream({ name: "u", schema: SENSOR });
      const check = compileLineCheck(stream, DEFAULT_RECORD_LIMITS, { scanner })!;
      const good = Buffer.from('{"deviceId":"dé","temp":1}');
      assert.equal(check(good, 0, good.length), null);
      for (const bad of [[0xc3, 0x28], [0xe9], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98]]) {
        const line = Buffer.concat([
          Buffer.from('{"deviceId":"d'),
          Buffer.from(bad),
          Buffer.from('","temp":1}'),
        ]);
        assert.equal(check(line, 0, line.length), undefined, line.toString("hex"));
      }
    });

    it("is not made for schemas it cannot decide, nor for streams with PII policies", () => {
      const withPattern = defineStream({
        name: "p",
        schema: { type: "object", properties: { id: { type: "string", pattern: "^a" } } },
      });
      assert.equal(compileLineCheck(withPattern, DEFAULT_RECORD_LIMITS, { scanner }), undefined);
      const withArray = defineStream({
        name: "a",
        schema: { type: "object", properties: { tags: { type: "array" } } },
      });
      assert.equal(compileLineCheck(withArray, DEFAULT_RECORD_LIMITS, { scanner }), undefined);
      const withPii = defineStream({
        name: "s",
        schema: { type: "object", properties: { email: { type: "string" } } },
        pii: { email: "mask" },
      });
      assert.equal(compileLineCheck(withPii, DEFAULT_RECORD_LIMITS, { scanner }), undefined);
    });
  });

describe("native line scanner", () => {
  it("is built where CI runs (npm install builds it with node-gyp)", (t) => {
    if (process.env.CI === undefined)
      return t.skip("outside CI a machine may lack a C++ compiler: then the JavaScript scanner runs");
    assert.ok(
      nativeLineScannerAvailable(),
      "build/Release/sluice_line_scanner.node is missing: npm install did not build it",
    );
  });

  it("answers every line as the JavaScript scanner does, one at a time and many at once", (t) => {
    if (!nativeLineScannerAvailable()) return t.skip("the native scanner is not built here");
    const cases: Array<CleanseOptions | undefined> = [
      undefined,
      { trim: true },
      { coerceNumbers: true },
      { defaults: { site: "s0" } },
    ];
    for (const cleanse of cases) {
      const stream = defineStream({
        name: "readings",
        schema: SENSOR,
        eventTime: "ts",
        ...(cleanse === undefined ? {} : { cleanse }),
      });
      const reference = compileLineCheck(stream, DEFAULT_RECORD_LIMITS, { scanner: "javascript" })!;
      const native = compileLineCheck(stream, DEFAULT_RECORD_LIMITS, { scanner: "native" })!;
      assert.ok(native.lines !== undefined);
      const random = new SeededRandom(23);
      for (let round = 0; round < 400; round++) {
        // A body of lines, some blank, some ending in "\r", the last without a newline.
        const lines = Array.from({ length: 1 + random.nextInt(40) }, () =>
          random.nextInt(25) === 0 ? "" : `${randomLine(random)}${random.nextInt(10) === 0 ? "\r" : ""}`,
        );
        const bytes = Buffer.from(lines.join("\n"));
        const expected: Array<{ end: number; answer: number | null | undefined }> = [];
        let start = 0;
        for (const line of lines) {
          const end = start + Buffer.byteLength(line);
          const stop = line.endsWith("\r") ? end - 1 : end;
          const answer = reference(bytes, start, stop);
          assert.equal(native(bytes, start, stop), answer, line);
          expected.push({ end, answer });
          start = end + 1;
        }
        const answered: Array<{ end: number; answer: number | null | undefined }> = [];
        for (let from = 0; answered.length < lines.length; ) {
          const n = native.lines.scan(bytes, from, bytes.length);
          for (let i = 0; i < n; i++) {
            answered.push({ end: native.lines.lineEnd(i), answer: native.lines.answer(i, bytes) });
            from = native.lines.lineEnd(i) + 1;
          }
        }
        assert.deepEqual(answered, expected);
      }
    }
  });

  it("answers more lines than one call takes, in several calls", (t) => {
    if (!nativeLineScannerAvailable()) return t.skip("the native scanner is not built here");
    const stream = defineStream({ name: "readings", schema: SENSOR, eventTime: "ts" });
    const native = compileLineCheck(stream, DEFAULT_RECORD_LIMITS, { scanner: "native" })!;
    const lines = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify({ deviceId: `d${i}`, temp: 1, ts: 1000 + i }),
    );
    const bytes = Buffer.from(lines.join("\n"));
    const times: Array<number | null | undefined> = [];
    let calls = 0;
    for (let from = 0; times.length < lines.length; calls++) {
      const n = native.lines!.scan(bytes, from, bytes.length);
      for (let i = 0; i < n; i++) times.push(native.lines!.answer(i, bytes));
      from = native.lines!.lineEnd(n - 1) + 1;
    }
    assert.deepEqual(
      times,
      lines.map((_, i) => 1000 + i),
    );
    assert.ok(calls > 1);
  });
});
