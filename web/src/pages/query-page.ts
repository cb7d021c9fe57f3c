/**
 * The query console: one read-only SQL statement (`POST /v1/query`) over the views (columns `key`, `value`
 * as JSON text, `updated_at`) and streams (`offset`, `event_time`, `ingest_time`, `value`); the result as a
 * table, errors with their code. Ctrl+Enter runs it.
 */
import type { QueryReply, ViewInfo } from "../api-types.js";
import { h, replaceChildren } from "../dom-builder.js";
import { formatCell, formatCount } from "../number-format.js";
import type { Page, PageContext } from "../page.js";

const DRAFT_KEY = "sluice.queryDraft";

export function queryPage(ctx: PageContext): Page {
  const sql = h("textarea", {
    class: "sql",
    rows: 6,
    spellcheck: false,
    "aria-label": "SQL",
    "data-testid": "query-sql",
    placeholder: "SELECT key, json_extract(value, '$.n') AS n FROM my_view ORDER BY updated_at DESC LIMIT 20",
  });
  sql.value = sessionStorage.getItem(DRAFT_KEY) ?? "";
  const run = h("button", { type: "button", class: "primary", "data-testid": "query-run" }, "Run");
  const examples = h("div", { class: "examples" });
  const result = h("div", { class: "query-result", "data-testid": "query-result" });
  const element = h(
    "section",
    { class: "page", "data-page": "query" },
    h("h1", null, "Query"),
    h(
      "div",
      { class: "card" },
      h(
        "p",
        { class: "muted" },
        "One read-only SQL statement (SQLite) over views (key, value, updated_at) and streams (offset, event_time, ingest_time, value). Ctrl+Enter runs it.",
      ),
      sql,
      h("div", { class: "toolbar" }, run, examples),
    ),
    result,
  );

  let controller: AbortController | null = null;
  const execute = async () => {
    const text = sql.value.trim();
    sessionStorage.setItem(DRAFT_KEY, sql.value);
    if (text === "") {
      replaceChildren(
        result,
        h("p", { class: "error-text", "data-testid": "query-error" }, "Write a SQL statement first."),
      );
      return;
    }
    controller?.abort();
    controller = new AbortController();
    run.disabled = true;
    const started = performance.now();
    const reply = await ctx.api.post<QueryReply>("/v1/query", { sql: text }, controller.signal);
    run.disabled = false;
    const ms = Math.round(performance.now() - started);
    if (!reply.ok) {
      replaceChildren(
        result,
        h(
          "div",
          { class: "card notice error", "data-testid": "query-error" },
          h("strong", null, reply.error.code),
          h("pre", null, reply.error.message),
        ),
      );
      return;
    }
    const { columns, rows, truncated } = reply.data;
    replaceChildren(
      result,
      h(
        "div",
        { class: "card" },
        h(
          "p",
          { class: "muted", "data-testid": "query-summary" },
          `${formatCount(rows.length)} row${rows.length === 1 ? "" : "s"} in ${ms} ms${truncated ? " (truncated: more rows matched)" : ""}`,
        ),
        h(
          "div",
          { class: "table-scroll" },
          h(
            "table",
            { class: "data-table", "data-testid": "query-table" },
            h(
              "thead",
              null,
              h(
                "tr",
                null,
                columns.map((c) => h("th", null, c)),
              ),
            ),
            h(
              "tbody",
              null,
              rows.map((row) =>
                h(
                  "tr",
                  null,
                  row.map((cell) =>
                    h("td", { class: typeof cell === "number" ? "num" : undefined }, formatCell(cell)),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  };
  run.addEventListener("click", () => void execute());
  sql.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void execute();
    }
  });

  void ctx.api.get<{ views: ViewInfo[] }>("/v1/views").then((views) => {
    if (!views.ok) return;
    for (const v of views.data.views.slice(0, 6)) {
      const example = `SELECT key, value, updated_at FROM "${v.name}" ORDER BY updated_at DESC LIMIT 20`;
      examples.append(
        h(
          "button",
          {
            type: "button",
            class: "link-button",
            onclick: () => {
              sql.value = example;
              sql.focus();
            },
          },
          v.name,
        ),
      );
    }
  });
  return { element, dispose: () => controller?.abort() };
}
