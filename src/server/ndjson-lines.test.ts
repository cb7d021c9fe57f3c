import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SeededRandom } from "../nexmark/seeded-random.js";
import type { ApiError } from "./api-error.js";
import { compileLineCheck, type LineCheck } from "./line-check.js";
import { nativeLineScannerAvailable } from "./native-line-scanner.js";
import { NdjsonLines } from "./ndjson-lines.js";
import { DEFAULT_RECORD_LIMITS } from "./record-limits.js";
import { defineStream } from "./stream-definition.js";

const stream = defineStream({
  name: "readings",
  schema: {
    type: "object",
    properties: {
      deviceId: { type: "string", minLength: 1 },
      temp: { type: "number", maximum: 100 },
      ts: { type: ["integer", "string"] },
    },
    required: ["deviceId"],
    additionalProperties: false,
  },
  eventTime: "ts",
  cleanse: { trim: true },
});

const LINES = [
  '{"deviceId":"d1","temp":21.5,"ts":1714557600000}',
  '{"deviceId":"d2","temp":101,"ts":1714557600001}',
  '{"deviceId":" d3 ","ts":"2024-05-01T10:00:00Z"}',
  '{"deviceId":"d4","ts":"2024-05-01T10:00:00Z"}',
  '{"deviceId":"dé","temp":-1e-400}',
  '{"temp":1}',
  '{"deviceId":"d5","extra":true}',
  "",
  "   ",
  '{"deviceId":"a-long-one-over-the-size-limit-of-this-test-xxxxxxxxxxxxxxxx"}',
  "[1,2]",
  "7",
];

/** What a body gives, as comparable values: records, sizes, texts as strings, event times; or the error. */
function read(body: Buffer, cuts: number[], check: LineCheck | undefined, maxRecords = 1000): unknown {
  const lines = new NdjsonLines(
    { bodyLimit: 1 << 20, maxRecordsPerRequest: maxRecords, maxRecordBytes: 60 },
    "request",
    check,
  );
  let error: ApiError | undefined;
  let from = 0;
  for (const cut of [...cuts, body.length]) {
    error ??= lines.push(body.subarray(from, cut));
    from = cut;
  }
  error ??= lines.end();
  if (error !== undefined) return { status: error.statusCode, code: error.code, message: error.message };
  const { records, sizes, texts, checkedEventTimes } = lines.body();
  return {
    records,
    sizes,
    texts: texts?.map((t) =>
      typeof t === "string" ? t : Buffer.from(t.bytes.subarray(t.start, t.end)).toString(),
    ),
    checkedEventTimes,
  };
}

describe("NDJSON lines", () => {
  it("give the same records, texts, sizes and event times with either scanner, however the body is cut", (t) => {
    if (!nativeLineScannerAvailable()) return t.skip("the native scanner is not built here");
    const javascript = compileLineCheck(stream, DEFAULT_RECORD_LIMITS, { scanner: "javascript" })!;
    const native = compileLineCheck(stream, DEFAULT_RECORD_LIMITS, { scanner: "native" })!;
    const random = new SeededRandom(5);
    let checked = 0;
    for (let round = 0; round < 500; round++) {
      const count = 1 + random.nextInt(30);
      const lines = Array.from({ length: count }, () => {
        const line = LINES[random.nextInt(LINES.length)]!;
        return random.nextInt(6) === 0 ? `${line}\r` : line;
      });
      if (random.nextInt(20) === 0) lines.push("{not json");
      const body = Buffer.from(`${lines.join("\n")}${random.nextInt(2) === 0 ? "\n" : ""}`);
      const cuts = Array.from({ length: random.nextInt(4) }, () => random.nextInt(body.length + 1)).sort(
        (a, b) => a - b,
      );
      const reference = read(body, [], undefined);
      const withJavascript = read(body, cuts, javascript);
      const withNative = read(body, cuts, native);
      assert.deepEqual(withNative, withJavascript, body.toString());
      const maxRecords = 1 + random.nextInt(count);
      assert.deepEqual(read(body, cuts, native, maxRecords), read(body, cuts, javascript, maxRecords));
      if ("records" in (reference as object)) {
        // The check only skips parsing: what is stored reads back as the records the full path parsed.
        const { records, texts, checkedEventTimes } = withNative as {
          records: unknown[];
          texts: string[];
          checkedEventTimes?: unknown[];
        };
        texts.forEach((text, i) => {
          if (checkedEventTimes?.[i] !== undefined) checked++;
          assert.deepEqual(records[i] ?? JSON.parse(text), (reference as { records: unknown[] }).records[i]);
        });
      }
    }
    assert.ok(checked > 1000, `only ${checked} lines went through the check`);
  });
});
