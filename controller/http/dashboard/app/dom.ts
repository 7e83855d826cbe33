// Building the page's nodes: HTML and SVG elements from attributes and children. Text is
// always set as text (textContent, text nodes), never parsed as HTML.
const SVGNS = "http://www.w3.org/2000/svg";

/** A child to append: a node, a string (as a text node), or nothing. */
export type Child = Node | string | null | undefined;
type Attrs = Record<string, string | number | null | undefined>;

function append(parent: Node, children: readonly Child[]): void {
  for (const c of children) if (c !== null && c !== undefined) parent.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
}

/** An HTML element; the attribute `text` sets its text, `class` its class name. */
export function el(tag: string, attrs?: Attrs, children?: readonly Child[]): HTMLElement {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null) continue;
    if (k === "text") n.textContent = String(v);
    else if (k === "class") n.className = String(v);
    else n.setAttribute(k, String(v));
  }
  append(n, children ?? []);
  return n;
}

export function svg(tag: string, attrs?: Record<string, string | number>, children?: readonly (Node | string)[]): SVGElement {
  const n = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs ?? {})) n.setAttribute(k, String(v));
  append(n, children ?? []);
  return n;
}

/** Replaces the children of the element with this id. */
export function replace(id: string, nodes: readonly Child[]): void {
  const target = byId(id);
  while (target.firstChild) target.removeChild(target.firstChild);
  append(target, nodes);
}

/** An element of the page (index.html.ts): missing is a bug in the page, not a state to handle. */
export function byId(id: string): HTMLElement {
  const n = document.getElementById(id);
  if (!n) throw new Error(`dashboard: no #${id} in the page`);
  return n;
}
