/**
 * A min-heap of (time, payload) pairs: the event-time and processing-time timers of windows, joins and
 * `process` steps. Ties pop in insertion order, so firing order is deterministic.
 */
export class TimerHeap<P> {
  private times: number[] = [];
  private seqs: number[] = [];
  private payloads: P[] = [];
  private seq = 0;

  get size(): number {
    return this.times.length;
  }

  /** Earliest time in the heap, or +Infinity when empty. */
  peekTime(): number {
    return this.times.length === 0 ? Number.POSITIVE_INFINITY : this.times[0]!;
  }

  push(time: number, payload: P): void {
    const times = this.times;
    let i = times.length;
    times.push(time);
    this.seqs.push(this.seq++);
    this.payloads.push(payload);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the earliest payload (undefined when empty). */
  pop(): P | undefined {
    const n = this.times.length;
    if (n === 0) return undefined;
    const top = this.payloads[0]!;
    const lastTime = this.times.pop()!;
    const lastSeq = this.seqs.pop()!;
    const lastPayload = this.payloads.pop()!;
    if (n > 1) {
      this.times[0] = lastTime;
      this.seqs[0] = lastSeq;
      this.payloads[0] = lastPayload;
      let i = 0;
      const size = n - 1;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < size && this.less(l, smallest)) smallest = l;
        if (r < size && this.less(r, smallest)) smallest = r;
        if (smallest === i) break;
        this.swap(i, smallest);
        i = smallest;
      }
    }
    return top;
  }

  /** Every (time, payload) pair, in no particular order (for snapshots). */
  entries(): Array<[number, P]> {
    return this.times.map((t, i) => [t, this.payloads[i]!]);
  }

  clear(): void {
    this.times = [];
    this.seqs = [];
    this.payloads = [];
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a]!;
    const tb = this.times[b]!;
    return ta < tb || (ta === tb && this.seqs[a]! < this.seqs[b]!);
  }

  private swap(a: number, b: number): void {
    const t = this.times[a]!;
    this.times[a] = this.times[b]!;
    this.times[b] = t;
    const s = this.seqs[a]!;
    this.seqs[a] = this.seqs[b]!;
    this.seqs[b] = s;
    const p = this.payloads[a]!;
    this.payloads[a] = this.payloads[b]!;
    this.payloads[b] = p;
  }
}
