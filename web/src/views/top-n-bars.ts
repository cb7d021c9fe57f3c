/**
 * Top-N of a view whose rows carry a `rank`: the latest window's rows as horizontal bars in rank order,
 * sized by the first numeric field (the score).
 */
import type { ViewRow } from "../api-types.js";
import { h, replaceChildren } from "../dom-builder.js";
import { formatCell, formatTime } from "../number-format.js";
import { fieldsOf, measureFields, type ViewDisplay } from "./view-rows.js";

export function topNBars(): ViewDisplay {
  const title = h("p", { class: "muted" });
  const list = h("ol", { class: "bars" });
  const element = h("div", { class: "top-n", "data-testid": "top-n", "data-signature": "" }, title, list);
  return {
    element,
    update(rows) {
      const ranked = rows
        .map((row) => ({ row, fields: fieldsOf(row) }))
        .filter((r) => typeof r.fields.rank === "number");
      const latestWindow = Math.max(
        ...ranked.map((r) => (typeof r.fields.windowStart === "number" ? r.fields.windowStart : -Infinity)),
      );
      const current = ranked
        .filter((r) => !Number.isFinite(latestWindow) || r.fields.windowStart === latestWindow)
        .sort((a, b) => (a.fields.rank as number) - (b.fields.rank as number));
      const score = measureFields(current.map((r) => r.fields)).find((f) => f !== "key") ?? null;
      const top = Math.max(
        1,
        ...current.map((r) => Math.abs(Number(score === null ? 0 : r.fields[score]) || 0)),
      );
      const end = current[0]?.fields.windowEnd;
      title.textContent = Number.isFinite(latestWindow)
        ? `Window ${formatTime(latestWindow)} – ${typeof end === "number" ? formatTime(end) : "?"}${score === null ? "" : `, by ${score}`}`
        : score === null
          ? ""
          : `By ${score}`;
      element.dataset.signature = current
        .map((r) => `${label(r.row, r.fields)}=${score === null ? "" : r.fields[score]}`)
        .join(",");
      replaceChildren(
        list,
        current.map(({ row, fields }) => {
          const value = score === null ? null : fields[score];
          const width = typeof value === "number" ? Math.max(2, (Math.abs(value) / top) * 100) : 0;
          return h(
            "li",
            { "data-rank": String(fields.rank) },
            h("span", { class: "bar-rank" }, `#${fields.rank}`),
            h("span", { class: "bar-label", title: label(row, fields) }, label(row, fields)),
            h(
              "span",
              { class: "bar-track" },
              h("span", { class: "bar-fill", style: `width: ${width.toFixed(1)}%` }),
            ),
            h("span", { class: "bar-value" }, formatCell(value)),
          );
        }),
      );
    },
    dispose() {},
  };
}

function label(row: ViewRow, fields: Record<string, unknown>): string {
  const key = fields.key;
  return key === undefined ? row.key : typeof key === "string" ? key : JSON.stringify(key);
}
