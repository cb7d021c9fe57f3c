/**
 * `h(tag, attributes, ...children)`: builds a DOM element. Attributes whose name starts with `on` and whose
 * value is a function become event listeners (`onclick` → `click`); `false`/`undefined` leave an attribute
 * out; children may be nodes, text or numbers (null/false are skipped). Text is always set as text, never as
 * HTML, so record values from the server cannot inject markup.
 */
export type Child = Node | string | number | null | undefined | false;
type AttributeValue = string | number | boolean | undefined | ((event: Event) => void);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, AttributeValue> | null = null,
  ...children: Array<Child | Child[]>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (attributes !== null) {
    for (const [name, value] of Object.entries(attributes)) {
      if (typeof value === "function") element.addEventListener(name.slice(2).toLowerCase(), value);
      else if (value === true) element.setAttribute(name, "");
      else if (value !== false && value !== undefined) element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

/** Replaces the children of `parent`, e.g. `replaceChildren(tbody, rows.map(toRow))`. */
export function replaceChildren(parent: Element, ...children: Array<Child | Child[]>): void {
  parent.replaceChildren();
  append(parent, children);
}

function append(parent: Element, children: Array<Child | Child[]>): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === "number" ? String(child) : child);
  }
}

/** An SVG element with attributes, e.g. `svg("line", { x1: 0, y1: 0, x2: 10, y2: 10 })`. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number> = {},
  ...children: Array<SVGElement | string>
): SVGElementTagNameMap[K] {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}
