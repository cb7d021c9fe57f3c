/**
 * One view, live: loaded once, then kept current over Server-Sent Events, shown as a time-series chart,
 * top-N bars, an alert feed or a table depending on its rows (see views/view-rows.ts). No reloads.
 */
import { h } from "../dom-builder.js";
import { formatCount } from "../number-format.js";
import type { Page, PageContext } from "../page.js";
import { StatusLine } from "../status-line.js";
import { alertFeed } from "../views/alert-feed.js";
import { liveTable } from "../views/live-table.js";
import { timeSeriesChart } from "../views/time-series-chart.js";
import { topNBars } from "../views/top-n-bars.js";
import { type ViewDisplay, type ViewKind, ViewRows, viewKind } from "../views/view-rows.js";
import { followView } from "../views/view-subscription.js";

const INITIAL_ROWS = 1000;
/** Changes arriving faster than this are drawn together. */
const RENDER_EVERY_MS = 250;

const DISPLAYS: Record<ViewKind, () => ViewDisplay> = {
  "time-series": timeSeriesChart,
  "top-n": topNBars,
  alerts: alertFeed,
  table: liveTable,
};

const KIND_LABELS: Record<ViewKind, string> = {
  "time-series": "time series",
  "top-n": "top N",
  alerts: "alert feed",
  table: "table",
};

export function viewPage(ctx: PageContext, view: string): Page {
  const status = new StatusLine();
  const connection = h("span", { class: "badge", "data-testid": "connection" }, "connecting");
  const counts = h("span", { class: "muted", "data-testid": "view-counts" });
  const host = h("div", { class: "card view-card" });
  const element = h(
    "section",
    { class: "page", "data-page": "view", "data-view": view },
    h("h1", null, `View ${view}`),
    h("p", { class: "view-meta" }, connection, " ", counts),
    status.element,
    host,
  );
  const rows = new ViewRows();
  let changes = 0;
  let kind: ViewKind | null = null;
  let display: ViewDisplay | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const render = () => {
    timer = undefined;
    const newest = rows.newestFirst();
    const wanted = viewKind(view, newest);
    if (wanted !== kind || display === null) {
      display?.dispose();
      kind = wanted;
      display = DISPLAYS[wanted]();
      element.dataset.kind = wanted;
      host.replaceChildren(display.element);
    }
    display.update(newest);
    counts.textContent = `${KIND_LABELS[wanted]} · ${formatCount(rows.size)} rows · ${formatCount(changes)} live changes`;
  };
  const scheduleRender = () => {
    timer ??= setTimeout(render, RENDER_EVERY_MS);
  };

  const stop = followView(ctx.api, view, INITIAL_ROWS, {
    upsert: (row) => rows.upsert(row),
    delete: (key) => rows.delete(key),
    reset: () => rows.clear(),
    changed: (cause) => {
      if (cause === "change") changes++;
      status.loaded();
      scheduleRender();
    },
    connection: (state) => {
      connection.textContent = state;
      connection.className = `badge connection-${state}`;
    },
    failed: (failure) => status.failed(`Loading view ${view} failed`, failure),
  });
  return {
    element,
    dispose() {
      stop();
      clearTimeout(timer);
      display?.dispose();
    },
  };
}
