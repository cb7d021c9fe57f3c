/**
 * Test support for the join operators' property tests: turns records of two inputs into an arrival schedule
 * whose disorder stays within a bound — data batches interleaved across the inputs, each followed by that
 * input's watermark (max time seen − maxDisorder), as a source would announce it — and plays a schedule into
 * a two-input `OperatorHarness`, straight through or with a snapshot → JSON → restore in the middle. No
 * record in such a schedule is late.
 */
import type { Operator } from "../runtime/operator.js";
import { type HarnessRecord, OperatorHarness } from "../testing/operator-harness.js";

/** A record to schedule: which input it belongs to, its key and event time, how long it is delayed (≤ maxDisorder), and whether its batch ends after it. */
export interface ScheduledRecord<T> {
  readonly input: 0 | 1;
  readonly key: unknown;
  readonly time: number;
  readonly value: T;
  readonly delay: number;
  readonly cut: boolean;
}

export type ScheduleStep<T> =
  | {
      readonly kind: "data";
      readonly input: 0 | 1;
      readonly items: T[];
      readonly times: number[];
      readonly keys: unknown[];
    }
  | { readonly kind: "watermark"; readonly input: 0 | 1; readonly time: number };

/** Orders `records` by time + delay (ties in given order) and cuts them into batches with watermarks. */
export function disorderedSchedule<T>(
  records: readonly ScheduledRecord<T>[],
  maxDisorder: number,
): ScheduleStep<T>[] {
  const order = records
    .map((record, index) => ({ record, index }))
    .sort((a, b) => a.record.time + a.record.delay - (b.record.time + b.record.delay) || a.index - b.index)
    .map((entry) => entry.record);
  const steps: ScheduleStep<T>[] = [];
  const maxSeen = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  let i = 0;
  while (i < order.length) {
    const input = order[i]!.input;
    const items: T[] = [];
    const times: number[] = [];
    const keys: unknown[] = [];
    while (i < order.length && order[i]!.input === input) {
      const record = order[i++]!;
      items.push(record.value);
      times.push(record.time);
      keys.push(record.key);
      if (record.time > maxSeen[input]!) maxSeen[input] = record.time;
      if (record.cut) break;
    }
    steps.push({ kind: "data", input, items, times, keys });
    steps.push({ kind: "watermark", input, time: maxSeen[input]! - maxDisorder });
  }
  return steps;
}

/** Plays steps [from, to) of `steps` into `harness`. */
export function play<T, O>(
  harness: OperatorHarness<unknown, O>,
  steps: readonly ScheduleStep<T>[],
  from = 0,
  to = steps.length,
): void {
  for (let s = from; s < to; s++) {
    const step = steps[s]!;
    if (step.kind === "data") harness.push(step.items, step.times, { keys: step.keys, input: step.input });
    else harness.watermark(step.time, step.input);
  }
}

/** The last watermark each input announced in steps [0, to), -Infinity where none did. */
export function watermarksBefore<T>(steps: readonly ScheduleStep<T>[], to: number): [number, number] {
  const marks: [number, number] = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (let s = 0; s < to; s++) {
    const step = steps[s]!;
    if (step.kind === "watermark" && step.time > marks[step.input]) marks[step.input] = step.time;
  }
  return marks;
}

/** What a run produced: the records emitted (in order) and how many records went to the dead-letter ledger. */
export interface JoinRun<O> {
  readonly output: HarnessRecord<O>[];
  readonly deadLetters: number;
}

/** Plays all of `steps` into a fresh operator, then ends both inputs. */
export function runThrough<T, O>(
  make: () => Operator<unknown, O>,
  steps: readonly ScheduleStep<T>[],
): JoinRun<O> {
  const harness = new OperatorHarness(make(), { inputs: 2 });
  play(harness, steps);
  harness.end();
  return { output: harness.output, deadLetters: harness.deadLetters.entries.length };
}

/**
 * Plays steps [0, at), takes a checkpoint (barrier), sends the operator's snapshot through JSON, restores it
 * into a fresh operator in a fresh harness, re-announces each input's last watermark (as restarted sources
 * do), plays the rest and ends: the combined output must equal `runThrough`'s.
 */
export function runWithRestore<T, O>(
  make: () => Operator<unknown, O>,
  steps: readonly ScheduleStep<T>[],
  at: number,
): JoinRun<O> {
  const before = new OperatorHarness(make(), { inputs: 2 });
  play(before, steps, 0, at);
  before.barrier(1);
  const saved = JSON.parse(JSON.stringify(before.snapshots.get(1))) as { operator: unknown };
  const operator = make();
  operator.restore?.(saved.operator);
  const after = new OperatorHarness(operator, { inputs: 2 });
  const marks = watermarksBefore(steps, at);
  for (const input of [0, 1] as const)
    if (marks[input] !== Number.NEGATIVE_INFINITY) after.watermark(marks[input], input);
  play(after, steps, at);
  after.end();
  return {
    output: [...before.output, ...after.output],
    deadLetters: before.deadLetters.entries.length + after.deadLetters.entries.length,
  };
}
