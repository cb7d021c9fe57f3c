/**
 * The logical graph: what the builder records, one step per call, before anything runs. The runtime turns
 * each step into a running StepNode.
 */
import type { Source } from "../connectors/source.js";
import type { Operator } from "../runtime/operator.js";
import type { EdgeKind } from "../runtime/step-node.js";
import type { Sink } from "../sinks/sink.js";

export interface LogicalInput {
  readonly step: LogicalStep;
  /** `late` takes the upstream step's late records rather than its output. */
  readonly edge: EdgeKind;
}

export interface LogicalStep {
  /** Stable id: given by the user or derived as `<verb>-<n>`. Names the step's state, metrics and errors. */
  readonly id: string;
  /** What the step does: "source", "map", "window", … */
  readonly verb: string;
  readonly inputs: readonly LogicalInput[];
  /** Makes a fresh operator for each run (undefined for sources). */
  readonly createOperator: (() => Operator<unknown, unknown>) | undefined;
  /** For sources: the connector and the number of its first partition in the pipeline's numbering. */
  readonly source: { readonly connector: Source<unknown>; readonly partitionBase: number } | undefined;
  /** For sinks: the sink, so a job can close it. */
  readonly sink: Sink<unknown> | undefined;
  /** The source partitions (pipeline-wide numbers) whose records reach this step. */
  readonly partitions: readonly number[];
}
