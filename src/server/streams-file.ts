/**
 * Streams declared in a JSON file instead of the pipeline module, e.g. `sluice run iot.js --streams streams.json`
 * or `loadStreamsFile("streams.json")`. The file holds an array of stream specs, or `{ "streams": [...] }`, each
 * exactly what `defineStream` takes (durations as text, e.g. `"retention": { "maxAge": "7d" }`).
 */
import { readFileSync } from "node:fs";
import { SluiceError } from "../core/errors.js";
import { defineStream, type StreamDefinition, type StreamSpec } from "./stream-definition.js";

/** Reads and declares every stream of a streams file; throws a StreamsFileError naming the file and the stream at fault. */
export function loadStreamsFile(path: string): StreamDefinition[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as { code?: string }).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new StreamsFileError(`streams file ${path}: cannot read it (${reason})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StreamsFileError(`streams file ${path}: not JSON (${(error as Error).message})`);
  }
  const specs = Array.isArray(parsed) ? parsed : (parsed as { streams?: unknown } | null)?.streams;
  if (!Array.isArray(specs)) {
    throw new StreamsFileError(`streams file ${path}: expected an array of streams or {"streams": [...]}`);
  }
  return specs.map((spec, index) => {
    if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
      throw new StreamsFileError(`streams file ${path}: stream ${index} is not an object`);
    }
    try {
      return defineStream(spec as StreamSpec);
    } catch (error) {
      throw new StreamsFileError(`streams file ${path}: stream ${index}: ${(error as Error).message}`);
    }
  });
}

/** A streams file that cannot be read or declares a bad stream; the message names the file and the stream. */
export class StreamsFileError extends SluiceError {
  override readonly name = "StreamsFileError";
  constructor(message: string) {
    super(message, "streams_file");
  }
}
