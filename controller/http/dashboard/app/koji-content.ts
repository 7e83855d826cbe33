// Koji's content (GET /api/v1/koji, its `content`): the gate and drift policy, the last pass, its
// failure, drift, pending lines, conflicts and unmanaged objects, then every object with its state.
import type { KojiStatus } from "./api-types.js";
import { el, replace, type Child } from "./dom.js";
import { ago, badge, short } from "./format.js";

/** An object's state drawn as the host state of the same colour. */
const STATE_PHASE = { converged: "Ready", pending: "Progressing", failed: "Failed", unmanaged: "Unknown" } as const;

const lines = (title: string, ls: readonly string[], cls = ""): Child =>
  ls.length ? el("div", { class: cls }, [el("h3", { text: title }), el("pre", { text: ls.join("\n") })]) : null;

export function renderKojiContent(koji: KojiStatus | null): void {
  const c = koji && koji.content;
  if (!c || !c.declared) return replace("koji-content-body", [el("p", { class: "empty", text: "the revision in force declares no Koji content (koji.content)" })]);
  const items: Child[] = [
    el("dl", { class: "kv" }, [
      el("dt", { text: "hub" }), el("dd", {}, [badge(c.gate.open ? "Ready" : "Blocked", c.gate.open ? "open" : "waiting"), " " + c.gate.reason]),
      el("dt", { text: "drift" }), el("dd", { text: c.policy }),
      el("dt", { text: "last pass" }), el("dd", {}, [c.lastRunAt ? ago(c.lastRunAt) + " at " : "not yet", c.revision ? el("code", { text: short(c.revision) }) : null]),
      el("dt", { text: "converged at" }), el("dd", {}, [c.convergedRevision ? el("code", { text: short(c.convergedRevision) }) : el("span", { class: "muted", text: "\u2014" })]),
    ]),
  ];
  for (const f of c.failures) items.push(el("div", { class: "fail" }, [el("h3", {}, [badge("Failed"), " " + f.method]), el("pre", { text: (f.lines.length ? f.lines.join("\n") + "\n" : "") + f.error })]));
  items.push(
    lines("drift found", c.drift, "halt"),
    lines("pending", c.pending),
    lines("applied by the last pass", c.applied.flatMap((a) => (a.lines.length ? a.lines : [a.method]))),
    lines("unmanaged (left alone)", c.unmanaged),
  );
  const rows = c.objects.map((o) =>
    el("tr", { "data-object": o.path, "data-state": o.state }, [el("td", {}, [el("code", { text: o.path })]), el("td", { text: o.declared || "\u2014" }), el("td", {}, [badge(STATE_PHASE[o.state], o.state)])]),
  );
  items.push(el("div", { class: "table-wrap" }, [el("table", {}, [el("thead", {}, [el("tr", {}, [el("th", { text: "object" }), el("th", { text: "declared" }), el("th", { text: "state" })])]), el("tbody", {}, rows)])]));
  replace("koji-content-body", items);
}
