/**
 * Loads a pipeline module for `sluice run`: a .js/.mjs file, or a .ts/.mts file transpiled with the
 * TypeScript compiler (when installed) into a sibling temporary file so its imports resolve as written.
 * The module's default export must be a Pipeline; `export const streams = [defineStream(...)]` declares the
 * streams the server accepts events for.
 */
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { SluiceError } from "../core/errors.js";
import { Pipeline } from "../dataflow/pipeline.js";
import type { StreamDefinition } from "../server/stream-definition.js";

/** What a pipeline module exports: the pipeline (default export) and, optionally, the streams it ingests. */
export interface PipelineModule {
  readonly pipeline: Pipeline;
  /** `export const streams = [defineStream({...})]`: the streams the server accepts events for. */
  readonly streams: readonly StreamDefinition[];
}

export async function loadPipelineModule(file: string): Promise<PipelineModule> {
  const path = resolve(file);
  if (!existsSync(path)) throw new SluiceError(`pipeline module ${file} does not exist`, "module_not_found");
  let url = pathToFileURL(path).href;
  let temporary: string | undefined;
  if (/\.m?ts$/.test(path)) {
    let ts: typeof import("typescript");
    try {
      ts = (await import("typescript")).default;
    } catch {
      throw new SluiceError(
        `${file} is TypeScript, but the typescript package is not installed; install it or compile the module to .js`,
        "typescript_missing",
      );
    }
    const { readFileSync } = await import("node:fs");
    const output = ts.transpileModule(readFileSync(path, "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
      fileName: path,
    });
    temporary = join(dirname(path), `.${basename(path)}.${process.pid}.sluice.mjs`);
    writeFileSync(temporary, output.outputText);
    url = pathToFileURL(temporary).href;
  }
  try {
    const module = (await import(url)) as { default?: unknown; streams?: unknown };
    const pipeline = module.default;
    if (!(pipeline instanceof Pipeline)) {
      throw new SluiceError(
        `${file} must export a Pipeline as its default export (export default p), got ${typeof pipeline}`,
        "not_a_pipeline",
      );
    }
    const streams = module.streams ?? [];
    if (!Array.isArray(streams)) {
      throw new SluiceError(
        `${file}: \`streams\` must be an array of defineStream(...) results`,
        "bad_streams",
      );
    }
    return { pipeline, streams: streams as StreamDefinition[] };
  } finally {
    if (temporary !== undefined) rmSync(temporary, { force: true });
  }
}
