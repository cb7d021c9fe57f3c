/** What every page gets and gives: the API, the server's capabilities, navigation; and a way to stop it. */
import type { ApiClient } from "./api-client.js";
import type { Capabilities } from "./api-types.js";

export interface PageContext {
  readonly api: ApiClient;
  readonly capabilities: Capabilities;
  /** Goes to a dashboard path, e.g. `ctx.navigate("/views/top_pages")`. */
  navigate(path: string): void;
}

export interface Page {
  readonly element: HTMLElement;
  /** Stops timers and live connections when the page is left. */
  dispose(): void;
}
