/**
 * The dead-letter ledger: records rejected at ingestion (`invalid`), too late for their window (`late`) or on
 * which user code threw (`failed`), filtered by reason and stream, each with its reason, origin, step and
 * error. Selected entries can be replayed through their stream (`POST /v1/dlq/replay`) once the cause is
 * fixed. Needs an admin key when the server has keys.
 */
import type { ApiResult } from "../api-client.js";
import type { DeadLetter, ReplayReply, StreamSummary } from "../api-types.js";
import { h, replaceChildren } from "../dom-builder.js";
import { formatCount, formatTime } from "../number-format.js";
import type { Page, PageContext } from "../page.js";
import { startPolling } from "../polling.js";
import { StatusLine } from "../status-line.js";

const REFRESH_MS = 3000;
const REASONS = ["invalid", "late", "failed"] as const;

export function dlqPage(ctx: PageContext): Page {
  const status = new StatusLine();
  const reason = h(
    "select",
    { name: "reason", "aria-label": "reason", "data-testid": "dlq-reason" },
    h("option", { value: "" }, "any reason"),
    REASONS.map((r) => h("option", { value: r }, r)),
  );
  const stream = h(
    "select",
    { name: "stream", "aria-label": "stream", "data-testid": "dlq-stream" },
    h("option", { value: "" }, "any stream"),
  );
  const limit = h(
    "select",
    { name: "limit", "aria-label": "limit" },
    [50, 100, 500, 1000].map((n) => h("option", { value: n, selected: n === 100 }, `${n} newest`)),
  );
  const replayButton = h(
    "button",
    { type: "button", class: "primary", disabled: true, "data-testid": "dlq-replay" },
    "Replay selected",
  );
  const replayResult = h("div", { class: "replay-result", "data-testid": "dlq-replay-result" });
  const selectAll = h("input", { type: "checkbox", "aria-label": "select all" });
  const body = h("tbody");
  const count = h("span", { class: "muted", "data-testid": "dlq-count" });
  const element = h(
    "section",
    { class: "page", "data-page": "dlq" },
    h("h1", null, "Dead letters"),
    status.element,
    h(
      "div",
      { class: "card" },
      h(
        "div",
        { class: "toolbar" },
        reason,
        stream,
        limit,
        count,
        h("span", { class: "spacer" }),
        replayButton,
      ),
      ctx.capabilities.dlqReplay
        ? null
        : h(
            "p",
            { class: "muted", "data-testid": "dlq-replay-unavailable" },
            "Replay is not available on this server (no POST /v1/dlq/replay).",
          ),
      replayResult,
      h(
        "div",
        { class: "table-scroll" },
        h(
          "table",
          { class: "data-table dlq-table", "data-testid": "dlq-table" },
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              h("th", null, selectAll),
              [
                "Id",
                "Reason",
                "Stream",
                "Offset",
                "Step",
                "Event time",
                "Rejected at",
                "Details",
                "Record",
              ].map((c) => h("th", null, c)),
            ),
          ),
          body,
        ),
      ),
    ),
  );

  const selected = new Set<number>();
  let entries: DeadLetter[] = [];
  const syncReplayButton = () => {
    replayButton.disabled = !ctx.capabilities.dlqReplay || selected.size === 0;
    replayButton.textContent = selected.size === 0 ? "Replay selected" : `Replay ${selected.size} selected`;
  };
  const render = () => {
    const visible = new Set(entries.map((e) => e.id));
    for (const id of selected) if (!visible.has(id)) selected.delete(id);
    selectAll.checked = entries.length > 0 && selected.size === entries.length;
    count.textContent = `${formatCount(entries.length)} shown`;
    replaceChildren(
      body,
      entries.length === 0
        ? h("tr", null, h("td", { colspan: 10, class: "muted" }, "No dead letters match."))
        : null,
      entries.map(entryRow),
    );
    syncReplayButton();
  };
  const entryRow = (entry: DeadLetter): HTMLElement => {
    const box = h("input", {
      type: "checkbox",
      "aria-label": `select ${entry.id}`,
      checked: selected.has(entry.id),
    });
    box.addEventListener("change", () => {
      if (box.checked) selected.add(entry.id);
      else selected.delete(entry.id);
      selectAll.checked = selected.size === entries.length;
      syncReplayButton();
    });
    return h(
      "tr",
      { "data-dlq-id": entry.id, "data-reason": entry.reason },
      h("td", null, box),
      h("td", { class: "num" }, entry.id),
      h("td", null, h("span", { class: `badge reason-${entry.reason}` }, entry.reason)),
      h("td", null, entry.origin?.stream ?? "–"),
      h("td", { class: "num" }, entry.origin?.offset === undefined ? "–" : formatCount(entry.origin.offset)),
      h("td", null, entry.pipeline === null ? entry.stepId : `${entry.pipeline} / ${entry.stepId}`),
      h("td", null, formatTime(entry.time)),
      h("td", null, formatTime(entry.at)),
      h("td", { class: "details" }, entry.error ?? ""),
      h("td", null, h("code", { class: "record" }, JSON.stringify(entry.record))),
    );
  };
  selectAll.addEventListener("change", () => {
    selected.clear();
    if (selectAll.checked) for (const e of entries) selected.add(e.id);
    render();
  });

  const load = async (signal?: AbortSignal) => {
    const query = new URLSearchParams({ limit: limit.value, order: "desc" });
    if (reason.value !== "") query.set("reason", reason.value);
    if (stream.value !== "") query.set("stream", stream.value);
    const result = await ctx.api.get<{ entries: DeadLetter[] }>(`/v1/dlq?${query}`, signal);
    if (signal?.aborted) return;
    if (!result.ok) {
      status.failed("Loading dead letters failed", result.error);
      return;
    }
    status.loaded();
    entries = result.data.entries;
    render();
  };
  for (const control of [reason, stream, limit]) control.addEventListener("change", () => void load());

  replayButton.addEventListener("click", async () => {
    const ids = [...selected].sort((a, b) => a - b);
    replayButton.disabled = true;
    replaceChildren(replayResult, h("p", { class: "muted" }, `Replaying ${ids.length} entries…`));
    const result: ApiResult<ReplayReply> = await ctx.api.post<ReplayReply>("/v1/dlq/replay", { ids });
    replaceChildren(replayResult, replaySummary(result));
    selected.clear();
    await load();
  });

  void ctx.api.get<{ streams: StreamSummary[] }>("/v1/streams").then((result) => {
    if (!result.ok) return;
    for (const s of result.data.streams) stream.append(h("option", { value: s.name }, s.name));
  });
  const stop = startPolling(load, REFRESH_MS);
  return { element, dispose: stop };
}

function replaySummary(result: ApiResult<ReplayReply>): HTMLElement {
  if (!result.ok) {
    return h(
      "p",
      { class: "error-text" },
      `Replay failed: ${result.error.message} (${result.error.status} ${result.error.code})`,
    );
  }
  const r = result.data;
  return h(
    "div",
    { class: r.rejected > 0 ? "notice warn" : "notice ok" },
    h(
      "p",
      null,
      `Replayed: ${formatCount(r.selected)} selected, ${formatCount(r.accepted)} accepted, ${formatCount(r.rejected)} rejected`,
      r.offsets === null ? "" : ` (offsets ${formatCount(r.offsets.first)}–${formatCount(r.offsets.last)})`,
      ".",
    ),
    r.errors.length === 0
      ? null
      : h(
          "ul",
          null,
          r.errors.map((e) => h("li", null, `#${e.id}: ${e.reason}`)),
        ),
  );
}
