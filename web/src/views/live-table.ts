/** A plain live table of a view's rows, most recently updated first, one column per field (up to a cap). */
import { h, replaceChildren } from "../dom-builder.js";
import { formatCell, formatTime } from "../number-format.js";
import { fieldsOf, type ViewDisplay } from "./view-rows.js";

const MAX_ROWS = 200;
const MAX_COLUMNS = 12;

export function liveTable(): ViewDisplay {
  const head = h("thead");
  const body = h("tbody");
  const element = h(
    "div",
    { class: "table-scroll", "data-testid": "live-table", "data-signature": "" },
    h("table", { class: "data-table" }, head, body),
  );
  return {
    element,
    update(rows) {
      const shown = rows.slice(0, MAX_ROWS);
      const columns: string[] = [];
      for (const row of shown) {
        for (const name of Object.keys(fieldsOf(row))) {
          if (!columns.includes(name) && columns.length < MAX_COLUMNS) columns.push(name);
        }
      }
      element.dataset.signature =
        shown.length === 0 ? "" : `${rows.length}:${shown[0]!.key}:${shown[0]!.updatedAt}`;
      replaceChildren(
        head,
        h(
          "tr",
          null,
          h("th", null, "key"),
          columns.map((c) => h("th", null, c)),
          h("th", null, "updated"),
        ),
      );
      replaceChildren(
        body,
        shown.length === 0
          ? h("tr", null, h("td", { colspan: columns.length + 2, class: "muted" }, "No rows yet."))
          : null,
        shown.map((row) => {
          const fields = fieldsOf(row);
          return h(
            "tr",
            null,
            h("td", null, row.key),
            columns.map((c) =>
              h("td", { class: typeof fields[c] === "number" ? "num" : undefined }, formatCell(fields[c])),
            ),
            h("td", null, formatTime(row.updatedAt)),
          );
        }),
      );
    },
    dispose() {},
  };
}
