// The fleet graph: one node per host, an arrow from a host to each host it waits for. Hosts
// are laid out in layers by how deep their waits go: left to right, or top to bottom on a
// narrow screen.
import type { HostView } from "./api-types.js";
import { byId, el, replace, svg } from "./dom.js";
import { heldWord, PHASE_ICON, phaseOf, short, wouldChangeText } from "./format.js";
import { state } from "./state.js";

/** Below this width (px) of the graph's box the layers stack top to bottom. */
export const NARROW = 560;
/** Height of the pinned / rolled-back badge under a node. */
const HELD_H = 18;

/** Hosts by layer: layer 0 waits for no one, layer n for someone in layer n-1. */
function layers(): HostView[][] {
  const waits: Record<string, string[]> = {};
  for (const h of state.hosts) waits[h.host] = [];
  for (const e of state.edges) waits[e.from]?.push(e.to);
  const depth: Record<string, number> = {};
  const d = (host: string, seen: Record<string, boolean>): number => {
    const known = depth[host];
    if (known !== undefined) return known;
    if (seen[host]) return 0; // a cycle: cut it here
    seen[host] = true;
    let m = -1;
    for (const o of waits[host] ?? []) if (waits[o]) m = Math.max(m, d(o, seen));
    return (depth[host] = m + 1);
  };
  const out: HostView[][] = [];
  for (const h of state.hosts) {
    const i = d(h.host, {});
    (out[i] = out[i] || []).push(h);
  }
  return out.filter(Boolean);
}

export function renderGraph(): void {
  if (!state.hosts.length) return replace("graph-svg", [el("p", { class: "empty", text: "no hosts yet" })]);
  const box = byId("graph-svg");
  const vertical = box.clientWidth > 0 && box.clientWidth < NARROW;
  const L = layers();
  // Narrow screens stack the layers top to bottom with narrower nodes and larger text.
  const W = vertical ? 150 : 190, H = 66, GX = vertical ? 50 : 70, GY = vertical ? 12 : 22;
  const pos: Record<string, { x: number; y: number }> = {};
  const maxRows = Math.max(...L.map((l) => l.length));
  L.forEach((layer, i) => {
    layer.forEach((h, j) => {
      const offset = (maxRows - layer.length) / 2;
      pos[h.host] = vertical
        ? { x: (j + offset) * (W + GY), y: i * (H + GX) }
        : { x: i * (W + GX), y: (j + offset) * (H + GY) };
    });
  });
  const width = vertical ? maxRows * (W + GY) - GY : L.length * (W + GX) - GX;
  // A held node's badge hangs below it: room for it under the last row.
  const height = (vertical ? L.length * (H + GX) - GX : maxRows * (H + GY) - GY) + (state.hosts.some((h) => h.held) ? HELD_H - 2 : 0);
  const root = svg("svg", { viewBox: "-8 -8 " + (width + 16) + " " + (height + 16), role: "img", "aria-label": "hosts and the hosts they wait for", class: vertical ? "vertical" : "horizontal" });
  root.appendChild(svg("defs", {}, [svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "8", markerHeight: "8", orient: "auto-start-reverse" }, [svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#8a96a3" })])]));
  for (const e of state.edges) {
    const a = pos[e.from], b = pos[e.to];
    if (!a || !b) continue;
    let d: string;
    if (vertical) {
      const x1 = a.x + W / 2, y1 = a.y, x2 = b.x + W / 2, y2 = b.y + H, my = (y1 + y2) / 2;
      d = "M" + x1 + "," + y1 + " C" + x1 + "," + my + " " + x2 + "," + my + " " + x2 + "," + y2;
    } else {
      const sx = a.x, sy = a.y + H / 2, tx = b.x + W, ty = b.y + H / 2, mx = (sx + tx) / 2;
      d = "M" + sx + "," + sy + " C" + mx + "," + sy + " " + mx + "," + ty + " " + tx + "," + ty;
    }
    root.appendChild(svg("path", { class: "edge", d: d, "marker-end": "url(#arrow)", "data-edge": e.from + ">" + e.to }, [svg("title", {}, [e.from + " waits for " + e.role + " on " + e.to])]));
  }
  for (const h of state.hosts) {
    const p = pos[h.host];
    if (!p) continue; // every host is in a layer
    const phase = phaseOf(h.phase);
    const first = h.conditions[0];
    const noop = wouldChangeText(h);
    root.appendChild(svg("g", { class: "node ph-" + phase + (noop ? " would-change" : ""), transform: "translate(" + p.x + "," + p.y + ")", "data-node": h.host, "data-phase": h.phase }, [
      svg("title", {}, [h.host + ": " + h.phase + (first && h.phase !== "Ready" ? " \u2014 " + first.reason + ": " + first.message : noop ? " \u2014 " + noop : "")]),
      svg("rect", { width: W, height: H, rx: 8 }),
      svg("text", { x: 10, y: 20, class: "name" }, [h.host]),
      svg("text", { x: 10, y: 39 }, [PHASE_ICON[phase] + " " + h.phase + (noop ? " \u2248" + h.resources.wouldChange : "") + "  \u00b7  " + short(h.revision).slice(0, 7)]),
      svg("text", { x: 10, y: 57, class: "roles" }, [h.roles.join(", ")]),
      // As in the hosts table: a pin or the rollback keeps this host away from the revision in force.
      ...(h.held ? [svg("g", { class: "held", "data-held": h.held.kind }, [
        svg("title", {}, [heldWord(h.held) + " to " + short(h.held.revision) + " by " + h.held.by + " since " + h.held.since]),
        svg("rect", { x: 6, y: H - 2, width: W - 12, height: HELD_H, rx: HELD_H / 2 }),
        svg("text", { x: 14, y: H - 2 + HELD_H - 5 }, [heldWord(h.held) + " by " + h.held.by]),
      ])] : []),
    ]));
  }
  replace("graph-svg", [root]);
}
