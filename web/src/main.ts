/**
 * The Sluice dashboard: overview, pipeline graph, live views, dead letters and a query console over the
 * HTTP API of the process that serves it. Vanilla TypeScript and uPlot; see docs/dashboard.md.
 */
import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { ApiClient } from "./api-client.js";
import { ApiKeyPrompt } from "./api-key-prompt.js";
import { ApiKeyStore } from "./api-key-store.js";
import type { Capabilities } from "./api-types.js";
import { h } from "./dom-builder.js";
import type { Page, PageContext } from "./page.js";
import { dlqPage } from "./pages/dlq-page.js";
import { overviewPage } from "./pages/overview-page.js";
import { pipelinePage } from "./pages/pipeline-page.js";
import { queryPage } from "./pages/query-page.js";
import { viewPage } from "./pages/view-page.js";
import { type Route, startRouter } from "./router.js";

const NO_CAPABILITIES: Capabilities = { pipelines: false, dlqReplay: false };

async function start(): Promise<void> {
  const outlet = document.getElementById("app")!;
  const keys = new ApiKeyStore();
  let current: Page | null = null;
  let currentRoute: Route = { page: "overview" };
  let rerender = () => {};
  const prompt = new ApiKeyPrompt(keys, () => rerender());
  const api = new ApiClient(keys, (failure) =>
    prompt.open(
      keys.get() === null
        ? "This server requires an API key."
        : `The stored key was refused: ${failure.message}`,
    ),
  );
  const keyButton = document.getElementById("api-key-button");
  if (keyButton !== null) {
    keyButton.hidden = false;
    keyButton.addEventListener("click", () => prompt.open("Set or change the API key this dashboard sends."));
  }

  const caps = await api.get<Capabilities>("/dashboard/capabilities");
  const capabilities = caps.ok ? caps.data : NO_CAPABILITIES;

  const show = (route: Route) => {
    currentRoute = route;
    current?.dispose();
    const ctx: PageContext = { api, capabilities, navigate: (path) => navigate(path) };
    current = pageFor(route, ctx);
    outlet.replaceChildren(current.element);
    for (const link of document.querySelectorAll<HTMLAnchorElement>("nav a[data-nav]")) {
      link.classList.toggle("active", link.dataset.nav === route.page);
    }
  };
  rerender = () => show(currentRoute);
  const navigate = startRouter(show);
}

function pageFor(route: Route, ctx: PageContext): Page {
  switch (route.page) {
    case "overview":
      return overviewPage(ctx);
    case "pipeline":
      return pipelinePage(ctx, route.name);
    case "view":
      return viewPage(ctx, route.view);
    case "dlq":
      return dlqPage(ctx);
    case "query":
      return queryPage(ctx);
    case "not-found":
      return {
        element: h(
          "section",
          { class: "page" },
          h("h1", null, "Not found"),
          h(
            "p",
            null,
            `No dashboard page at ${route.path}. `,
            h("a", { href: "/", "data-link": true }, "Overview"),
          ),
        ),
        dispose() {},
      };
  }
}

void start();
