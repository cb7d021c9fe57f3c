/**
 * Records of one key ordered by event time (ties keep arrival order), in two parallel arrays with a moving
 * head, so the oldest records can be dropped in amortised O(1) and a time range found by binary search. The
 * interval join keeps one per key and side; the temporal join keeps each key's versions in one.
 */
export class TimeSortedBuffer<T> {
  /** Event times, ascending from `head`; read-only outside this class (and replaced when the buffer compacts). */
  times: number[] = [];
  /** The records, parallel to `times`; read-only outside this class (and replaced when the buffer compacts). */
  items: T[] = [];
  /** Index of the oldest live record; slots before it are dead. */
  head = 0;

  /** Number of live records. */
  get size(): number {
    return this.times.length - this.head;
  }

  /** Inserts after every record with time ≤ `time`: appending is O(1) for records that arrive in order. */
  insert(time: number, item: T): void {
    const times = this.times;
    const n = times.length;
    if (n === this.head || times[n - 1]! <= time) {
      times.push(time);
      this.items.push(item);
      return;
    }
    const at = this.upperBound(time);
    times.splice(at, 0, time);
    this.items.splice(at, 0, item);
  }

  /** Index of the first live record with time ≥ `time` (`times.length` if none). */
  lowerBound(time: number): number {
    const times = this.times;
    let lo = this.head;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid]! < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first live record with time > `time` (`times.length` if none). */
  upperBound(time: number): number {
    const times = this.times;
    const n = times.length;
    if (n === this.head || times[n - 1]! <= time) return n;
    let lo = this.head;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid]! <= time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Drops the live records before index `index`; returns how many were dropped. The dead prefix is cut off
   * (new arrays) once it is both long and at least half the buffer, so dropping is amortised O(1) per record
   * and small buffers are not copied at all.
   */
  dropTo(index: number): number {
    const dropped = index - this.head;
    if (dropped <= 0) return 0;
    if (index >= 32 && index * 2 >= this.times.length) {
      this.times = this.times.slice(index);
      this.items = this.items.slice(index);
      this.head = 0;
    } else {
      this.items.fill(undefined as T, this.head, index); // let the dropped records be collected
      this.head = index;
    }
    return dropped;
  }

  /** Live times and records as fresh arrays, for snapshots. */
  liveTimes(): number[] {
    return this.times.slice(this.head);
  }
  liveItems(): T[] {
    return this.items.slice(this.head);
  }
}
