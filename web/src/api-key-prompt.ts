/**
 * The dialog that asks for an API key when the server answers 401. Saving stores the key and calls
 * `onSaved` (the current page reloads its data); "Forget key" removes a stored one.
 */
import type { ApiKeyStore } from "./api-key-store.js";
import { h } from "./dom-builder.js";

export class ApiKeyPrompt {
  private dialog: HTMLDialogElement | null = null;

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly onSaved: () => void,
  ) {}

  /** Shows the prompt (once, however many calls failed), with why it is asked. */
  open(reason: string): void {
    if (this.dialog?.open) return;
    const input = h("input", {
      type: "password",
      name: "api-key",
      autocomplete: "off",
      placeholder: "API key",
      "aria-label": "API key",
      value: this.keys.get() ?? "",
    });
    const dialog = h(
      "dialog",
      { class: "key-dialog", "data-testid": "api-key-prompt" },
      h(
        "form",
        {
          method: "dialog",
          onsubmit: (event: Event) => {
            event.preventDefault();
            this.keys.set(input.value.trim());
            dialog.close();
            this.onSaved();
          },
        },
        h("h2", null, "API key needed"),
        h("p", null, reason),
        h(
          "p",
          { class: "muted" },
          "The key is kept in this browser (localStorage) and sent as a Bearer token.",
        ),
        input,
        h(
          "div",
          { class: "dialog-actions" },
          h(
            "button",
            {
              type: "button",
              onclick: () => {
                this.keys.set(null);
                input.value = "";
              },
            },
            "Forget key",
          ),
          h("button", { type: "button", onclick: () => dialog.close() }, "Cancel"),
          h("button", { type: "submit", class: "primary" }, "Save"),
        ),
      ),
    );
    this.dialog?.remove();
    this.dialog = dialog;
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  }
}
