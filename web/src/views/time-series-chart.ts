/**
 * A line chart (uPlot) of a windowed view: x is the window start, one series per key (the most recently
 * updated keys, up to a cap), y the chosen numeric field. The field is picked from the rows' numeric fields.
 */
import uPlot from "uplot";
import type { ViewRow } from "../api-types.js";
import { h, replaceChildren } from "../dom-builder.js";
import { fieldsOf, measureFields, seriesKeyOf, type ViewDisplay } from "./view-rows.js";

const MAX_SERIES = 8;
const MAX_POINTS = 300;
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"];

export function timeSeriesChart(): ViewDisplay {
  const fieldSelect = h("select", { "aria-label": "field", "data-testid": "field-select" });
  const plotHost = h("div", { class: "plot-host" });
  const caption = h("p", { class: "muted chart-caption" });
  const element = h(
    "div",
    { class: "time-series", "data-testid": "time-series", "data-points": 0, "data-signature": "" },
    h("label", { class: "field-picker" }, "Field ", fieldSelect),
    plotHost,
    caption,
  );
  let plot: uPlot | null = null;
  let plotShape = "";
  let latest: readonly ViewRow[] = [];
  let field: string | null = null;

  fieldSelect.addEventListener("change", () => {
    field = fieldSelect.value;
    plotShape = "";
    render();
  });
  const onResize = () => plot?.setSize(size());
  window.addEventListener("resize", onResize);

  function size(): { width: number; height: number } {
    return { width: Math.max(320, plotHost.clientWidth || element.clientWidth || 800), height: 320 };
  }

  function render(): void {
    const rows = latest.map((row) => ({ row, fields: fieldsOf(row) }));
    const fields = measureFields(rows.map((r) => r.fields));
    if (fields.join("\n") !== [...fieldSelect.options].map((o) => o.value).join("\n")) {
      replaceChildren(
        fieldSelect,
        fields.map((f) => h("option", { value: f }, f)),
      );
    }
    if (field === null || !fields.includes(field)) field = fields[0] ?? null;
    if (field === null) return;
    fieldSelect.value = field;

    // Series: the keys updated most recently (rows come newest first).
    const keys: string[] = [];
    for (const { row } of rows) {
      const key = seriesKeyOf(row);
      if (!keys.includes(key)) keys.push(key);
      if (keys.length === MAX_SERIES) break;
    }
    keys.sort();
    const byKeyAndX = new Map<string, Map<number, number>>();
    const xs = new Set<number>();
    for (const { row, fields: f } of rows) {
      const key = seriesKeyOf(row);
      const value = f[field];
      if (!keys.includes(key) || typeof f.windowStart !== "number" || typeof value !== "number") continue;
      let points = byKeyAndX.get(key);
      if (points === undefined) byKeyAndX.set(key, (points = new Map()));
      points.set(f.windowStart, value);
      xs.add(f.windowStart);
    }
    const x = [...xs].sort((a, b) => a - b).slice(-MAX_POINTS);
    const series = keys.map((key) => x.map((ms) => byKeyAndX.get(key)?.get(ms) ?? null));
    const data: uPlot.AlignedData = [x.map((ms) => ms / 1000), ...series];
    const points = series.reduce((n, values) => n + values.filter((v) => v !== null).length, 0);
    element.dataset.points = String(points);
    element.dataset.signature = `${points}:${x[x.length - 1] ?? ""}:${series.map((s) => s[s.length - 1] ?? "").join(",")}`;
    caption.textContent = `${field} per window start, ${keys.length} key${keys.length === 1 ? "" : "s"}${
      keys.length === MAX_SERIES ? ` (the ${MAX_SERIES} most recently updated)` : ""
    }, ${x.length} windows`;

    const shape = JSON.stringify([field, keys]);
    if (plot !== null && shape === plotShape) {
      plot.setData(data);
      return;
    }
    plot?.destroy();
    plotShape = shape;
    plot = new uPlot(
      {
        ...size(),
        cursor: { drag: { x: true, y: false } },
        scales: { x: { time: true } },
        series: [
          {},
          ...keys.map((key, i) => ({
            label: key,
            stroke: COLORS[i % COLORS.length]!,
            width: 2,
            spanGaps: true,
            points: { show: x.length < 60 },
          })),
        ],
        axes: [{}, { label: field, size: 60 }],
      },
      data,
      plotHost,
    );
  }

  return {
    element,
    update(rows) {
      latest = rows;
      render();
    },
    dispose() {
      window.removeEventListener("resize", onResize);
      plot?.destroy();
    },
  };
}
