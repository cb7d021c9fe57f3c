/** An alert feed: the rows of an `…alerts` view as a list, latest first, each with its fields. */
import { h, replaceChildren } from "../dom-builder.js";
import { formatCell, formatTime } from "../number-format.js";
import { fieldsOf, type ViewDisplay } from "./view-rows.js";

const MAX_ALERTS = 100;

export function alertFeed(): ViewDisplay {
  const list = h("ol", { class: "alert-feed" });
  const element = h("div", { "data-testid": "alert-feed", "data-signature": "" }, list);
  return {
    element,
    update(rows) {
      const latest = rows.slice(0, MAX_ALERTS);
      element.dataset.signature =
        latest.length === 0 ? "" : `${rows.length}:${latest[0]!.key}:${latest[0]!.updatedAt}`;
      replaceChildren(
        list,
        latest.length === 0 ? h("li", { class: "muted" }, "No alerts yet.") : null,
        latest.map((row) =>
          h(
            "li",
            { class: "alert" },
            h("time", null, formatTime(row.updatedAt)),
            h("strong", null, row.key),
            h(
              "span",
              { class: "alert-fields" },
              Object.entries(fieldsOf(row)).map(([name, value]) =>
                h("span", { class: "field" }, h("em", null, name), ` ${formatCell(value)}`),
              ),
            ),
          ),
        ),
      );
    },
    dispose() {},
  };
}
