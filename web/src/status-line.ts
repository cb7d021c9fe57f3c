/** A line under a page title saying when its data was last loaded, or what went wrong loading it. */
import type { ApiFailure } from "./api-client.js";
import { h } from "./dom-builder.js";

export class StatusLine {
  readonly element = h("p", { class: "status-line", "data-testid": "status-line" });

  loaded(at = Date.now()): void {
    this.element.classList.remove("error");
    this.element.textContent = `Updated ${new Date(at).toLocaleTimeString()}`;
  }

  failed(what: string, failure: ApiFailure): void {
    this.element.classList.add("error");
    this.element.textContent = `${what}: ${failure.message}${failure.status === 0 ? "" : ` (${failure.status} ${failure.code})`}`;
  }
}
