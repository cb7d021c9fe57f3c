/**
 * History routing: `/`, `/pipelines/:name`, `/views/:view`, `/dlq`, `/query` (the server answers each with
 * the page). Links marked `data-link` navigate without a reload.
 */

export type Route =
  | { readonly page: "overview" }
  | { readonly page: "pipeline"; readonly name: string }
  | { readonly page: "view"; readonly view: string }
  | { readonly page: "dlq" }
  | { readonly page: "query" }
  | { readonly page: "not-found"; readonly path: string };

/** The route of a path, e.g. `routeOf("/views/top_pages")` → `{ page: "view", view: "top_pages" }`. */
export function routeOf(path: string): Route {
  if (path === "/" || path === "") return { page: "overview" };
  if (path === "/dlq") return { page: "dlq" };
  if (path === "/query") return { page: "query" };
  const pipeline = /^\/pipelines\/([^/]+)$/.exec(path);
  if (pipeline !== null) return { page: "pipeline", name: decodeURIComponent(pipeline[1]!) };
  const view = /^\/views\/([^/]+)$/.exec(path);
  if (view !== null) return { page: "view", view: decodeURIComponent(view[1]!) };
  return { page: "not-found", path };
}

/** Calls `onRoute` for the current path, after each `data-link` click and on back/forward. */
export function startRouter(onRoute: (route: Route) => void): (path: string) => void {
  const navigate = (path: string) => {
    const [pathname] = path.split("?");
    if (`${location.pathname}${location.search}` !== path) history.pushState(null, "", path);
    onRoute(routeOf(pathname ?? "/"));
  };
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
      return;
    const link = (event.target as Element | null)?.closest?.("a[data-link]");
    if (!(link instanceof HTMLAnchorElement) || link.origin !== location.origin) return;
    event.preventDefault();
    navigate(`${link.pathname}${link.search}`);
  });
  window.addEventListener("popstate", () => onRoute(routeOf(location.pathname)));
  onRoute(routeOf(location.pathname));
  return navigate;
}

/** A dashboard link, e.g. `pagePath({ page: "view", view: "x" })` → `/views/x`. */
export function pagePath(route: Route): string {
  switch (route.page) {
    case "overview":
      return "/";
    case "pipeline":
      return `/pipelines/${encodeURIComponent(route.name)}`;
    case "view":
      return `/views/${encodeURIComponent(route.view)}`;
    case "dlq":
      return "/dlq";
    case "query":
      return "/query";
    case "not-found":
      return route.path;
  }
}
