/**
 * End-to-end latency, from ingest to view: views change only when a checkpoint commits (exactly-once), so a
 * record is visible once the first checkpoint whose source position is past its offset has committed. The
 * server remembers each recent append per stream (its last offset and when it committed, in a bounded ring)
 * and, at each committed checkpoint, observes (commit time − append time) for every append whose last record
 * the checkpoint's position newly covers: one observation per append (an ingest request or WebSocket
 * message) per pipeline source reading the stream.
 *
 * Times are on the monotonic performance clock, so injected clocks do not distort them. Appends older than
 * the ring (a pipeline more than `capacity` appends behind) are no longer observed.
 */

/** Appends remembered per stream. */
const DEFAULT_CAPACITY = 4096;

/** The recent appends of one stream, oldest first, in a circular buffer. */
class AppendRing {
  private readonly lasts: Float64Array;
  private readonly ats: Float64Array;
  private start = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.lasts = new Float64Array(capacity);
    this.ats = new Float64Array(capacity);
  }

  push(last: number, at: number): void {
    const index = (this.start + this.size) % this.capacity;
    this.lasts[index] = last;
    this.ats[index] = at;
    if (this.size < this.capacity) this.size++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** Calls `observe(at)` for each append with `from ≤ last < to`, newest first. */
  covered(from: number, to: number, observe: (at: number) => void): void {
    for (let i = this.size - 1; i >= 0; i--) {
      const index = (this.start + i) % this.capacity;
      const last = this.lasts[index]!;
      if (last < from) return;
      if (last < to) observe(this.ats[index]!);
    }
  }
}

/**
 * e.g. `latency.appended("readings", 0, 99, performance.now())`, then at a commit
 * `latency.committed("iot/readings", "readings", 100, performance.now(), (ms) => histogram.observe(ms / 1000))`.
 */
export class IngestToViewLatency {
  private readonly rings = new Map<string, AppendRing>();
  /** Per consumer (a pipeline's source): the position up to which appends were already observed. */
  private readonly observedUpTo = new Map<string, number>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** An append of offsets `first..last` to `stream` committed at `at`. */
  appended(stream: string, _first: number, last: number, at: number): void {
    let ring = this.rings.get(stream);
    if (ring === undefined) {
      ring = new AppendRing(this.capacity);
      this.rings.set(stream, ring);
    }
    ring.push(last, at);
  }

  /**
   * A checkpoint committed at `at` with `consumer` (a pipeline's source) reading `stream` at `position` (the
   * next offset): calls `observe(latencyMs)` for each append it made visible.
   */
  committed(
    consumer: string,
    stream: string,
    position: number,
    at: number,
    observe: (latencyMs: number) => void,
  ): void {
    const from = this.observedUpTo.get(consumer) ?? Number.NEGATIVE_INFINITY;
    if (!(position > from)) return;
    this.observedUpTo.set(consumer, position);
    this.rings.get(stream)?.covered(from, position, (appendedAt) => observe(Math.max(0, at - appendedAt)));
  }
}
