/**
 * A bounded FIFO between producers (source readers) and the task loop. `push` returns a promise when the
 * channel is full, so a fast source waits instead of growing memory: that is backpressure. Control messages
 * may skip the bound with `pushControl` so ticks and barriers are never stuck behind a full queue.
 */
export class BoundedChannel<M> {
  private readonly queue: M[] = [];
  private head = 0;
  private readonly waitingProducers: Array<() => void> = [];
  private waitingConsumer: (() => void) | undefined;
  /** How many times a producer had to wait for room (backpressure), for metrics. */
  blockedCount = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`channel capacity must be ≥ 1, got ${capacity}`);
  }

  get length(): number {
    return this.queue.length - this.head;
  }

  /** Adds a message; resolves once there is room (immediately returns undefined when there is). */
  push(message: M): Promise<void> | undefined {
    this.enqueue(message);
    if (this.length <= this.capacity) return undefined;
    this.blockedCount++;
    return new Promise<void>((resolve) => this.waitingProducers.push(resolve));
  }

  /** Adds a control message regardless of the bound. */
  pushControl(message: M): void {
    this.enqueue(message);
  }

  /** Takes the next message, or undefined when empty. */
  poll(): M | undefined {
    if (this.head >= this.queue.length) return undefined;
    const message = this.queue[this.head]!;
    this.queue[this.head] = undefined as M;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    while (this.waitingProducers.length > 0 && this.length < this.capacity) this.waitingProducers.shift()!();
    return message;
  }

  /** Resolves when a message is available. */
  waitForMessage(): Promise<void> {
    if (this.length > 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waitingConsumer = resolve;
    });
  }

  private enqueue(message: M): void {
    this.queue.push(message);
    const consumer = this.waitingConsumer;
    if (consumer !== undefined) {
      this.waitingConsumer = undefined;
      consumer();
    }
  }
}
