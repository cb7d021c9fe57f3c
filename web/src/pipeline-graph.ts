/**
 * The operator graph of a pipeline as SVG: one box per step, placed in columns by depth (the longest path
 * from a source), edges as curves from an input's right side to the step's left side, late-output edges
 * dashed. Each box shows the step's verb, id, in/out rates and watermark lag.
 */
import type { StepInfo } from "./api-types.js";
import { svg } from "./dom-builder.js";
import { formatDuration, formatRate } from "./number-format.js";

const BOX_WIDTH = 190;
const BOX_HEIGHT = 78;
const COLUMN_GAP = 56;
const ROW_GAP = 22;
const MARGIN = 12;

interface Placed {
  readonly step: StepInfo;
  readonly x: number;
  readonly y: number;
}

/** Depth of each step: 0 for sources, else one more than its deepest input (cycles are cut). */
export function stepDepths(steps: readonly StepInfo[]): Map<string, number> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const depths = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depths.get(id);
    if (known !== undefined) return known;
    const step = byId.get(id);
    if (step === undefined || visiting.has(id)) return 0;
    visiting.add(id);
    const inputs = step.inputs.filter((i) => byId.has(i.step));
    const depth = inputs.length === 0 ? 0 : 1 + Math.max(...inputs.map((i) => depthOf(i.step)));
    visiting.delete(id);
    depths.set(id, depth);
    return depth;
  };
  for (const step of steps) depthOf(step.id);
  return depths;
}

/** The graph of `steps` as an `<svg>` element. */
export function pipelineGraph(steps: readonly StepInfo[]): SVGSVGElement {
  const depths = stepDepths(steps);
  const columns = new Map<number, StepInfo[]>();
  for (const step of steps) {
    const depth = depths.get(step.id) ?? 0;
    let column = columns.get(depth);
    if (column === undefined) columns.set(depth, (column = []));
    column.push(step);
  }
  const placed = new Map<string, Placed>();
  let tallest = 0;
  for (const [depth, column] of columns) {
    tallest = Math.max(tallest, column.length);
    column.forEach((step, row) => {
      placed.set(step.id, {
        step,
        x: MARGIN + depth * (BOX_WIDTH + COLUMN_GAP),
        y: MARGIN + row * (BOX_HEIGHT + ROW_GAP),
      });
    });
  }
  const width = MARGIN * 2 + Math.max(1, columns.size) * (BOX_WIDTH + COLUMN_GAP) - COLUMN_GAP;
  const height = MARGIN * 2 + Math.max(1, tallest) * (BOX_HEIGHT + ROW_GAP) - ROW_GAP;
  const root = svg("svg", {
    class: "pipeline-graph",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label": "operator graph",
    "data-testid": "pipeline-graph",
  });
  root.append(
    svg(
      "defs",
      {},
      svg(
        "marker",
        {
          id: "arrow",
          viewBox: "0 0 10 10",
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: "auto-start-reverse",
        },
        svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "edge-arrow" }),
      ),
    ),
  );
  for (const target of placed.values()) {
    for (const input of target.step.inputs) {
      const source = placed.get(input.step);
      if (source === undefined) continue;
      const x1 = source.x + BOX_WIDTH;
      const y1 = source.y + BOX_HEIGHT / 2;
      const x2 = target.x;
      const y2 = target.y + BOX_HEIGHT / 2;
      const bend = Math.max(30, (x2 - x1) / 2);
      root.append(
        svg("path", {
          d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`,
          class: input.edge === "late" ? "edge edge-late" : "edge",
          "marker-end": "url(#arrow)",
          "data-edge": `${input.step}->${target.step.id}`,
          "data-edge-kind": input.edge,
        }),
      );
    }
  }
  for (const { step, x, y } of placed.values()) {
    const lag = step.watermark === "+inf" ? "ended" : `wm lag ${formatDuration(step.watermarkLagMs)}`;
    root.append(
      svg(
        "g",
        {
          class: `step-box${step.ended ? " ended" : ""}`,
          transform: `translate(${x} ${y})`,
          "data-step-id": step.id,
        },
        svg("rect", { width: BOX_WIDTH, height: BOX_HEIGHT, rx: 6 }),
        svg("text", { x: 10, y: 18, class: "step-verb" }, step.verb),
        svg("text", { x: 10, y: 36, class: "step-id" }, truncate(step.id, 26)),
        svg(
          "text",
          { x: 10, y: 54, class: "step-metric" },
          `in ${formatRate(step.inRate)} · out ${formatRate(step.outRate)}`,
        ),
        svg("text", { x: 10, y: 70, class: "step-metric" }, lag),
        svg("title", {}, `${step.verb} ${step.id}`),
      ),
    );
  }
  return root;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
