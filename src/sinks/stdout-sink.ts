/**
 * Prints one JSON line per record on standard output (or another writable), e.g. for `sluice run` demos.
 * Guarantee: best effort; lines may be lost if the process dies.
 */
import type { Sink } from "./sink.js";

export class StdoutSink<T> implements Sink<T> {
  readonly kind = "stdout";
  constructor(
    private readonly out: { write(text: string): unknown } = process.stdout,
    private readonly format: (record: T) => string = (r) => JSON.stringify(r),
  ) {}

  write(items: readonly T[]): void {
    let text = "";
    for (let i = 0; i < items.length; i++) text += `${this.format(items[i]!)}\n`;
    if (text.length > 0) this.out.write(text);
  }
}

/** Prints records as JSON lines, e.g. `stream.to(stdout())`. */
export function stdout<T>(
  options: { format?: (record: T) => string; out?: { write(text: string): unknown } } = {},
): StdoutSink<T> {
  return new StdoutSink<T>(options.out, options.format);
}
