/**
 * Pipeline: the named container of a dataflow. Sources are added here; every other step is added through
 * the Stream they return. Step ids are given (`{ id }`) or derived as `<verb>-<n>`; give ids to steps whose
 * state must survive edits to the pipeline, as with Flink's uid().
 */
import type { Source } from "../connectors/source.js";
import { PipelineDefinitionError } from "../core/errors.js";
import { Job, type RunOptions } from "../runtime/job.js";
import type { Operator } from "../runtime/operator.js";
import type { Sink } from "../sinks/sink.js";
import type { LogicalInput, LogicalStep } from "./logical-step.js";
import { Stream } from "./stream.js";

export interface StepOptions {
  /** Stable id of the step (letters, digits, `_`, `-`, `.`; unique in the pipeline). */
  readonly id?: string;
}

const STEP_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export class Pipeline {
  private readonly logicalSteps: LogicalStep[] = [];
  private readonly ids = new Set<string>();
  private readonly verbCounts = new Map<string, number>();
  private partitionCount = 0;

  /** e.g. `const p = new Pipeline("iot")` */
  constructor(readonly name: string) {
    if (!STEP_ID.test(name)) {
      throw new PipelineDefinitionError(
        `pipeline name ${JSON.stringify(name)} must be letters, digits, "_", "-" or "."`,
      );
    }
  }

  /** Adds a named input stream, e.g. `p.source("readings", generatorSource(…))`. */
  source<T>(name: string, connector: Source<T>): Stream<T> {
    if (!(connector.partitions >= 1)) {
      throw new PipelineDefinitionError(`source "${name}" must have at least one partition`, {
        stepId: name,
      });
    }
    const partitions = Array.from({ length: connector.partitions }, (_, i) => this.partitionCount + i);
    const step: LogicalStep = {
      id: this.claimId("source", name),
      verb: "source",
      inputs: [],
      createOperator: undefined,
      source: { connector: connector as Source<unknown>, partitionBase: this.partitionCount },
      sink: undefined,
      partitions,
    };
    this.partitionCount += connector.partitions;
    this.logicalSteps.push(step);
    return new Stream<T>(this, step);
  }

  /** The steps in the order they were added (every step after its inputs). */
  get steps(): readonly LogicalStep[] {
    return this.logicalSteps;
  }

  /** Starts the pipeline and returns the running job, e.g. `const job = p.start(); await job.done`. */
  start(options: RunOptions = {}): Job {
    if (this.logicalSteps.every((s) => s.source === undefined)) {
      throw new PipelineDefinitionError(`pipeline "${this.name}" has no source`);
    }
    return new Job(this.name, this.logicalSteps, options);
  }

  /** Runs until every source has ended, e.g. `await p.run()` for bounded inputs. Returns the finished job. */
  async run(options: RunOptions = {}): Promise<Job> {
    const job = this.start(options);
    await job.done;
    return job;
  }

  /** @internal Adds a step; used by Stream and friends. */
  addStep(
    verb: string,
    inputs: readonly LogicalInput[],
    createOperator: () => Operator<unknown, unknown>,
    options: StepOptions & { sink?: Sink<unknown> } = {},
  ): LogicalStep {
    for (const input of inputs) {
      if (!this.logicalSteps.includes(input.step)) {
        throw new PipelineDefinitionError(
          `step "${input.step.id}" belongs to another pipeline; streams of different pipelines cannot be combined`,
        );
      }
    }
    const partitions = [...new Set(inputs.flatMap((i) => i.step.partitions))].sort((a, b) => a - b);
    const step: LogicalStep = {
      id: this.claimId(verb, options.id),
      verb,
      inputs,
      createOperator,
      source: undefined,
      sink: options.sink,
      partitions,
    };
    this.logicalSteps.push(step);
    return step;
  }

  private claimId(verb: string, given: string | undefined): string {
    let id = given;
    if (id === undefined) {
      do {
        const n = (this.verbCounts.get(verb) ?? 0) + 1;
        this.verbCounts.set(verb, n);
        id = `${verb}-${n}`;
      } while (this.ids.has(id));
    } else if (!STEP_ID.test(id)) {
      throw new PipelineDefinitionError(
        `step id ${JSON.stringify(id)} must be letters, digits, "_", "-" or "."`,
      );
    }
    if (this.ids.has(id)) {
      throw new PipelineDefinitionError(
        `step id "${id}" is used twice in pipeline "${this.name}"; ids must be unique`,
        {
          stepId: id,
        },
      );
    }
    this.ids.add(id);
    return id;
  }
}
