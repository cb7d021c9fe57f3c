/**
 * Overview: every stream (records, offsets, ingest rate, consumer lag, watermark, dead letters), every
 * pipeline with its status, and every view with a link to its live page. Refreshes every two seconds.
 */
import type { PipelineInfo, StreamSummary, ViewInfo } from "../api-types.js";
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
import { startPolling } from "../polling.js";
import { pagePath } from "../router.js";
import { StatusLine } from "../status-line.js";

const REFRESH_MS = 2000;

export function overviewPage(ctx: PageContext): Page {
  const status = new StatusLine();
  const streamsBody = h("tbody");
  const pipelinesBody = h("tbody");
  const viewsBody = h("tbody");
  const pipelinesNote = ctx.capabilities.pipelines
    ? null
    : h(
        "p",
        { class: "muted", "data-testid": "pipelines-unavailable" },
        "This server does not report pipelines (no GET /v1/pipelines).",
      );
  const element = h(
    "section",
    { class: "page", "data-page": "overview" },
    h("h1", null, "Overview"),
    status.element,
    h(
      "div",
      { class: "card" },
      h("h2", null, "Streams"),
      h(
        "table",
        { class: "data-table", "data-testid": "streams-table" },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ...[
              "Stream",
              "Records",
              "Offsets",
              "Ingest rate",
              "Lag",
              "Watermark",
              "Dead letters",
              "Size",
            ].map((c) => h("th", null, c)),
          ),
        ),
        streamsBody,
      ),
    ),
    h(
      "div",
      { class: "card" },
      h("h2", null, "Pipelines"),
      pipelinesNote,
      h(
        "table",
        { class: "data-table", "data-testid": "pipelines-table", hidden: !ctx.capabilities.pipelines },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ...["Pipeline", "Status", "Steps", "Running for", "Checkpoints", "Last checkpoint"].map((c) =>
              h("th", null, c),
            ),
          ),
        ),
        pipelinesBody,
      ),
    ),
    h(
      "div",
      { class: "card" },
      h("h2", null, "Views"),
      h(
        "table",
        { class: "data-table", "data-testid": "views-table" },
        h("thead", null, h("tr", null, ...["View", "Rows", "Pipeline"].map((c) => h("th", null, c)))),
        viewsBody,
      ),
    ),
  );

  const stop = startPolling(async (signal) => {
    const [streams, views, pipelines] = await Promise.all([
      ctx.api.get<{ streams: StreamSummary[] }>("/v1/streams", signal),
      ctx.api.get<{ views: ViewInfo[] }>("/v1/views", signal),
      ctx.capabilities.pipelines
        ? ctx.api.get<{ pipelines: PipelineInfo[] }>("/v1/pipelines", signal)
        : Promise.resolve(null),
    ]);
    if (signal.aborted) return;
    const pipelineList = pipelines?.ok ? pipelines.data.pipelines : [];
    if (streams.ok) replaceChildren(streamsBody, streamRows(streams.data.streams, pipelineList));
    if (views.ok) replaceChildren(viewsBody, viewRows(views.data.views));
    if (pipelines?.ok) replaceChildren(pipelinesBody, pipelineRows(pipelineList));
    const failed = [streams, views, pipelines].find((r) => r !== null && !r.ok);
    if (failed !== undefined && failed !== null && !failed.ok)
      status.failed("Loading the overview failed", failed.error);
    else status.loaded();
  }, REFRESH_MS);
  return { element, dispose: stop };
}

function streamRows(streams: readonly StreamSummary[], pipelines: readonly PipelineInfo[]): HTMLElement[] {
  if (streams.length === 0) return [emptyRow(8, "No streams are declared.")];
  return streams.map((s) => {
    const reading = pipelines.flatMap((p) =>
      p.sources.filter((src) => src.stream === s.name).map((src) => ({ pipeline: p, source: src })),
    );
    const lag = reading.length === 0 ? null : Math.max(...reading.map((r) => r.source.lag ?? 0));
    const watermarks = reading
      .map((r) => r.pipeline.steps.find((step) => step.id === r.source.step)?.watermark)
      .filter((w) => w !== undefined && w !== null);
    return h(
      "tr",
      { "data-stream": s.name },
      h(
        "td",
        null,
        h("strong", null, s.name),
        s.key === null ? null : h("span", { class: "muted" }, ` key ${s.key}`),
      ),
      h("td", { class: "num" }, formatCount(s.records)),
      h("td", { class: "num" }, `${formatCount(s.startOffset)} – ${formatCount(s.endOffset)}`),
      h("td", { class: "num" }, s.ratePerSecond === undefined ? "–" : formatRate(s.ratePerSecond)),
      h("td", { class: "num" }, lag === null ? "–" : formatCount(lag)),
      h("td", null, watermarks.length === 0 ? "–" : watermarks.map((w) => formatWatermark(w)).join(", ")),
      h("td", { class: "num" }, dlqText(s.dlq)),
      h("td", { class: "num" }, formatBytes(s.bytes)),
    );
  });
}

function dlqText(dlq: StreamSummary["dlq"]): string | HTMLElement {
  if (dlq === undefined || dlq === null) return "–";
  if (typeof dlq === "number") return formatCount(dlq);
  const parts = Object.entries(dlq).filter(([, n]) => typeof n === "number");
  return parts.length === 0 ? "0" : parts.map(([reason, n]) => `${reason} ${formatCount(n)}`).join(", ");
}

function pipelineRows(pipelines: readonly PipelineInfo[]): HTMLElement[] {
  if (pipelines.length === 0) return [emptyRow(6, "No pipelines run in this process.")];
  return pipelines.map((p) =>
    h(
      "tr",
      { "data-pipeline": p.name },
      h(
        "td",
        null,
        h("a", { href: pagePath({ page: "pipeline", name: p.name }), "data-link": true }, p.name),
      ),
      h(
        "td",
        null,
        h("span", { class: `badge status-${p.status}` }, p.status),
        p.error === null ? null : h("div", { class: "error-text" }, p.error),
      ),
      h("td", { class: "num" }, formatCount(p.steps.length)),
      h("td", { class: "num" }, formatDuration(Date.now() - p.startedAt)),
      h("td", { class: "num" }, formatCount(p.checkpoints.count)),
      h(
        "td",
        null,
        p.checkpoints.lastAt === null
          ? "–"
          : `${formatTime(p.checkpoints.lastAt)} (${formatDuration(p.checkpoints.lastDurationMs)}, ${formatBytes(p.checkpoints.lastBytes)})`,
      ),
    ),
  );
}

function viewRows(views: readonly ViewInfo[]): HTMLElement[] {
  if (views.length === 0)
    return [emptyRow(3, "No views yet: a view appears once its pipeline first writes it.")];
  return views.map((v) =>
    h(
      "tr",
      { "data-view": v.name },
      h("td", null, h("a", { href: pagePath({ page: "view", view: v.name }), "data-link": true }, v.name)),
      h("td", { class: "num" }, formatCount(v.rows)),
      h("td", null, v.pipeline ?? "–"),
    ),
  );
}

function emptyRow(columns: number, text: string): HTMLElement {
  return h("tr", null, h("td", { colspan: columns, class: "muted" }, text));
}
