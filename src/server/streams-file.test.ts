import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadStreamsFile } from "./streams-file.js";

describe("loadStreamsFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-streams-file-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("declares every stream of the file, as defineStream would", () => {
    const path = file(
      "streams.json",
      JSON.stringify({
        streams: [
          {
            name: "readings",
            schema: { type: "object", properties: { temp: { type: "number" } }, required: ["temp"] },
            key: "deviceId",
            eventTime: "ts",
            cleanse: { coerceNumbers: true },
            partitions: 2,
            retention: { maxAge: "7d" },
          },
          { name: "clicks", schema: { type: "object" } },
        ],
      }),
    );
    const [readings, clicks] = loadStreamsFile(path);
    assert.equal(readings!.name, "readings");
    assert.equal(readings!.partitions, 2);
    assert.deepEqual(readings!.retention, { maxAge: "7d" });
    assert.deepEqual(readings!.validateRecord({ temp: "21.5", ts: 5 }), {
      ok: true,
      record: { temp: 21.5, ts: 5 },
      eventTime: 5,
      changed: true,
    });
    assert.equal(clicks!.name, "clicks");
    assert.equal(loadStreamsFile(file("array.json", '[{"name": "a", "schema": {}}]')).length, 1);
  });

  it("names the file and the stream at fault", () => {
    assert.throws(
      () => loadStreamsFile(join(dir, "missing.json")),
      /streams file .*missing\.json: cannot read it \(no such file\)/,
    );
    assert.throws(() => loadStreamsFile(file("bad.json", "{nope")), /streams file .*bad\.json: not JSON/);
    assert.throws(
      () => loadStreamsFile(file("shape.json", '{"stream": []}')),
      /expected an array of streams/,
    );
    assert.throws(
      () =>
        loadStreamsFile(
          file("schema.json", '[{"name": "a", "schema": {}}, {"name": "b", "schema": {"type": "nope"}}]'),
        ),
      /streams file .*schema\.json: stream 1: stream "b": invalid JSON Schema/,
    );
    assert.throws(() => loadStreamsFile(file("item.json", "[1]")), /stream 0 is not an object/);
  });
});
