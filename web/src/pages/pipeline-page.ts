/**
 * One pipeline: its operator graph with per-step rates and watermark lag, a table of every step's counts,
 * its sources' positions and lag, checkpoints and backpressure. Refreshes every second.
 */
import type { PipelineInfo } from "../api-types.js";
import { h, replaceChildren } from "../dom-builder.js";
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatRate,
  formatTime,
  formatWatermark,
} from "../number-format.js";
import type { Page, PageContext } from "../page.js";
import { pipelineGraph } from "../pipeline-graph.js";
import { startPolling } from "../polling.js";
import { StatusLine } from "../status-line.js";

const REFRESH_MS = 1000;

export function pipelinePage(ctx: PageContext, name: string): Page {
  const status = new StatusLine();
  const header = h("div", { class: "pipeline-header" });
  const graph = h("div", { class: "card graph-card" });
  const details = h("div", { class: "pipeline-details" });
  const element = h(
    "section",
    { class: "page", "data-page": "pipeline" },
    h("h1", null, `Pipeline ${name}`),
    status.element,
    header,
    graph,
    details,
  );
  if (!ctx.capabilities.pipelines) {
    replaceChildren(
      header,
      h(
        "p",
        { class: "muted", "data-testid": "pipelines-unavailable" },
        "This server does not report pipelines (no GET /v1/pipelines).",
      ),
    );
    return { element, dispose() {} };
  }
  let graphShape = "";
  const stop = startPolling(async (signal) => {
    const result = await ctx.api.get<PipelineInfo>(`/v1/pipelines/${encodeURIComponent(name)}`, signal);
    if (signal.aborted) return;
    if (!result.ok) {
      status.failed(`Loading pipeline ${name} failed`, result.error);
      return;
    }
    status.loaded();
    const p = result.data;
    replaceChildren(
      header,
      h("span", { class: `badge status-${p.status}`, "data-testid": "pipeline-status" }, p.status),
      h("span", { class: "muted" }, ` started ${formatTime(p.startedAt)}`),
      p.error === null ? null : h("pre", { class: "error-text" }, p.error),
    );
    // Redraw the graph each time (its numbers change); keep the scroll position across redraws.
    const shape = JSON.stringify(p.steps.map((s) => [s.id, s.inputs]));
    const scroll = graph.scrollLeft;
    replaceChildren(graph, h("h2", null, "Operator graph"), pipelineGraph(p.steps));
    if (shape === graphShape) graph.scrollLeft = scroll;
    graphShape = shape;
    replaceChildren(
      details,
      stepsCard(p),
      h("div", { class: "card-row" }, checkpointsCard(p), backpressureCard(p)),
      sourcesCard(p),
    );
  }, REFRESH_MS);
  return { element, dispose: stop };
}

function stepsCard(p: PipelineInfo): HTMLElement {
  const columns = [
    "Step",
    "Verb",
    "Records in",
    "Records out",
    "In rate",
    "Out rate",
    "Watermark",
    "Watermark lag",
    "Processing",
    "State",
  ];
  return h(
    "div",
    { class: "card" },
    h("h2", null, "Steps"),
    h(
      "table",
      { class: "data-table", "data-testid": "steps-table" },
      h("thead", null, h("tr", null, ...columns.map((c) => h("th", null, c)))),
      h(
        "tbody",
        null,
        p.steps.map((s) =>
          h(
            "tr",
            { "data-step": s.id },
            h("td", null, s.id),
            h("td", null, s.verb),
            h("td", { class: "num" }, formatCount(s.recordsIn)),
            h("td", { class: "num" }, formatCount(s.recordsOut)),
            h("td", { class: "num" }, formatRate(s.inRate)),
            h("td", { class: "num" }, formatRate(s.outRate)),
            h("td", null, formatWatermark(s.watermark)),
            h("td", { class: "num" }, formatDuration(s.watermarkLagMs)),
            h("td", { class: "num" }, formatDuration(s.processingMs)),
            h("td", null, s.ended ? "ended" : "running"),
          ),
        ),
      ),
    ),
  );
}

function checkpointsCard(p: PipelineInfo): HTMLElement {
  const c = p.checkpoints;
  return definitionCard("Checkpoints", "checkpoints", [
    ["Completed", formatCount(c.count)],
    ["Last id", formatCount(c.lastId)],
    ["Last at", formatTime(c.lastAt)],
    ["Last duration", formatDuration(c.lastDurationMs)],
    ["Last size", formatBytes(c.lastBytes)],
    ["Interval", formatDuration(c.intervalMs)],
    ["When caught up", c.idlePauseMs === null ? "off" : `≥ ${formatDuration(c.idlePauseMs)} apart`],
  ]);
}

function backpressureCard(p: PipelineInfo): HTMLElement {
  const b = p.backpressure;
  const ratio = b.blockedRatio;
  return definitionCard("Backpressure", "backpressure", [
    ["Sources blocked", formatDuration(b.blockedMs)],
    ["Blocked ratio", ratio === null ? "–" : `${(ratio * 100).toFixed(1)} %`],
  ]);
}

function sourcesCard(p: PipelineInfo): HTMLElement {
  return h(
    "div",
    { class: "card" },
    h("h2", null, "Sources"),
    h(
      "table",
      { class: "data-table", "data-testid": "sources-table" },
      h(
        "thead",
        null,
        h("tr", null, ...["Step", "Stream", "Position", "End offset", "Lag"].map((c) => h("th", null, c))),
      ),
      h(
        "tbody",
        null,
        p.sources.map((s) =>
          h(
            "tr",
            null,
            h("td", null, s.step),
            h("td", null, s.stream ?? "–"),
            h("td", { class: "num" }, formatCount(s.position)),
            h("td", { class: "num" }, formatCount(s.endOffset)),
            h("td", { class: "num" }, formatCount(s.lag)),
          ),
        ),
      ),
    ),
  );
}

function definitionCard(title: string, testId: string, entries: Array<[string, string]>): HTMLElement {
  return h(
    "div",
    { class: "card", "data-testid": testId },
    h("h2", null, title),
    h(
      "dl",
      { class: "facts" },
      entries.flatMap(([term, value]) => [h("dt", null, term), h("dd", null, value)]),
    ),
  );
}
