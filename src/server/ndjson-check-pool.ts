/**
 * Reads NDJSON bodies in a worker thread, so the event loop only appends and acknowledges: for a stream with
 * a line check, the body's bytes go to the worker whole (they are bounded by the body limit), which splits,
 * checks and, for lines the check leaves undecided, decodes and parses them (ndjson-check-worker.ts), and sends
 * the body back with its answers. Back on the event loop only those undecided lines are parsed again (into the
 * records the full path validates); every other line is stored as sent, from the body's bytes. Errors are the
 * same ApiErrors, naming the same lines. If the worker fails, its pending bodies are answered 503 and later ones
 * are read on the event loop.
 */
import { Worker } from "node:worker_threads";
import type { RecordText } from "../store/log-batch.js";
import { ApiError } from "./api-error.js";
import type { IngestBody, IngestBodyLimits } from "./ingest-body.js";
import type { CheckedStreamSpec, NdjsonCheckAnswer, NdjsonCheckRequest } from "./ndjson-check-worker.js";
import type { RecordLimits } from "./record-limits.js";

interface Waiting {
  readonly resolve: (body: IngestBody) => void;
  readonly reject: (error: ApiError) => void;
}

/** One worker, started on first use, e.g. `await pool.read("readings", body)` → an IngestBody. */
export class NdjsonCheckPool {
  private worker: Worker | undefined;
  private failed = false;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();

  constructor(
    private readonly streams: readonly CheckedStreamSpec[],
    private readonly limits: IngestBodyLimits,
    private readonly recordLimits: RecordLimits,
  ) {}

  /** Whether bodies of this stream go to the worker (it has a line check and the worker has not failed). */
  serves(stream: string): boolean {
    return !this.failed && this.streams.some((spec) => spec.name === stream);
  }

  /** Reads a body (its bytes are handed over: do not use them afterwards). */
  read(stream: string, body: Buffer): Promise<IngestBody> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<IngestBody>((resolve, reject) => {
      if (this.waiting.size === 0) worker.ref();
      this.waiting.set(id, { resolve, reject });
      const request: NdjsonCheckRequest = { id, stream, body };
      worker.postMessage(request, [body.buffer as ArrayBuffer]);
    });
  }

  /** Stops the worker; bodies still being read are answered 503. */
  close(): void {
    this.failAll();
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(new URL("./ndjson-check-worker.js", import.meta.url), {
      workerData: { streams: this.streams, limits: this.limits, recordLimits: this.recordLimits },
    });
    worker.on("message", (answer: NdjsonCheckAnswer) => this.answer(answer));
    worker.on("error", () => {
      this.failed = true;
      this.failAll();
    });
    worker.on("exit", () => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll();
    });
    // Idle, it must not keep the process alive; reading, the waiting requests do.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private answer(answer: NdjsonCheckAnswer): void {
    const waiting = this.waiting.get(answer.id);
    if (waiting === undefined) return;
    this.waiting.delete(answer.id);
    if (this.waiting.size === 0) this.worker?.unref();
    if ("error" in answer) {
      const { status, code, message, details } = answer.error;
      waiting.reject(new ApiError(status, code, message, details));
      return;
    }
    waiting.resolve(ingestBodyOf(answer));
  }

  private failAll(): void {
    for (const waiting of this.waiting.values()) {
      waiting.reject(new ApiError(503, "unavailable", "reading the body failed: try again"));
    }
    this.waiting.clear();
  }
}

/**
 * The IngestBody of a worker's answer: lines the check accepted are given as spans of the body (stored from
 * its bytes); the others are parsed here again (the worker parsed them already: this cannot fail).
 */
function ingestBodyOf(answer: Extract<NdjsonCheckAnswer, { body: Uint8Array }>): IngestBody {
  const { spans, checked, eventTimes, strings } = answer;
  const body = Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength);
  const n = checked.length;
  const records = new Array<unknown>(n);
  const texts = new Array<RecordText>(n);
  const checkedEventTimes = new Array<number | null | undefined>(n);
  let anyChecked = false;
  let next = 0;
  for (let i = 0; i < n; i++) {
    const start = spans[2 * i]!;
    const text: RecordText = start >= 0 ? { bytes: body, start, end: spans[2 * i + 1]! } : strings[next++]!;
    texts[i] = text;
    if (checked[i] === 1) {
      anyChecked = true;
      const time = eventTimes[i]!;
      checkedEventTimes[i] = Number.isNaN(time) ? null : time;
    } else {
      // An undecided line always comes as text (NdjsonLines keeps it decoded), never as a span.
      records[i] = JSON.parse(text as string);
    }
  }
  const sizes = Array.from(answer.sizes);
  return anyChecked ? { records, sizes, texts, checkedEventTimes } : { records, sizes, texts };
}
