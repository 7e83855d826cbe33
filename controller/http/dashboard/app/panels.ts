// The header (revision in force, git errors), the rejected-commit box, the counts by state,
// the hosts table and the failing probes and resources.
import type { Condition, HostPhase, HostView } from "./api-types.js";
import { byId, el, replace, type Child } from "./dom.js";
import { ago, badge, heldBadge, short, wouldChangeBadge, wouldChangeText } from "./format.js";
import { commitCell, state } from "./state.js";

export function renderFleet(): void {
  const f = state.fleet;
  const head: Child[] = [];
  if (f && f.revision) {
    head.push("revision in force: ", el("code", { text: f.revision.shortSha || short(f.revision.sha) }), " " + f.revision.message + " \u2014 " + f.revision.author + ", " + ago(f.revision.date));
  } else head.push("revision in force: ", el("span", { class: "muted", text: "none yet" }));
  if (f && f.git && f.git.error) head.push(el("span", { class: "sub", text: " \u26a0 git: " + f.git.error }));
  replace("fleet-revision", head);

  const v = f && f.validation;
  const box = byId("validation");
  if (v && v.state === "invalid" && v.revision) {
    box.hidden = false;
    const r = v.revision;
    replace("validation-head", [
      el("p", {}, ["Commit ", el("code", { text: r.shortSha || short(r.sha) }), " \u201c" + (r.message || "") + "\u201d by " + (r.author || "?") + " was rejected " + ago(v.at) + "; the fleet stays at the revision in force."]),
    ]);
    replace("validation-errors", v.errors.map((e) => el("li", { class: "verror" }, [el("code", { class: "loc", text: e.file + ":" + e.line + ":" + e.col }), " " + e.message])));
  } else {
    box.hidden = true;
  }
}

export function renderCounts(): void {
  const counts: Record<HostPhase, number> = { Ready: 0, Progressing: 0, Blocked: 0, Failed: 0, Unknown: 0 };
  for (const h of state.hosts) counts[h.phase] = (counts[h.phase] || 0) + 1;
  const noop = state.hosts.filter((h) => h.resources.wouldChange > 0).length;
  replace("counts", [
    el("span", { class: "count", text: state.hosts.length + " hosts:" }),
    ...(Object.keys(counts) as HostPhase[]).map((p) => badge(p, counts[p] + " " + p)),
    noop ? el("span", { class: "badge would-change", "data-would-change": String(noop) }, ["\u2248 " + noop + " only report what would change (noop/sandbox)"]) : null,
  ]);
}

export function renderHosts(): void {
  replace("host-rows", state.hosts.map((h) => {
    const ready: Partial<Condition> = h.conditions[0] ?? {};
    const behind = h.desiredRevision && h.revision !== h.desiredRevision;
    const applied = h.revision || (h.applied && h.applied.revision) || null;
    // The agent's Converged reason (Noop), not Ready's "Converged", when nothing was applied.
    const noop = wouldChangeText(h);
    const why = noop && h.phase === "Ready" ? "Noop: " + (ready.message || noop) : ready.reason ? ready.reason + (ready.message && h.phase !== "Ready" ? ": " + ready.message : "") : "";
    return el("tr", { class: behind ? "behind" : "", "data-host": h.host, "data-phase": h.phase, "data-revision": h.revision || "", "data-desired": h.desiredRevision || "" }, [
      el("td", { "data-label": "host" }, [el("strong", { text: h.host }), h.agentVersion ? el("span", { class: "sub", text: "agent " + h.agentVersion }) : null]),
      el("td", { "data-label": "state" }, [badge(h.phase), wouldChangeBadge(h)]),
      el("td", { "data-label": "roles", text: h.roles.join(", ") }),
      el("td", { "data-label": "desired", class: "rev-desired" }, [...commitCell(h.desiredRevision), heldBadge(h.held)]),
      el("td", { "data-label": "applied", class: "rev-applied" }, commitCell(applied).concat(h.revision ? [] : [el("span", { class: "sub", text: "not at a fleet revision" })])),
      el("td", { "data-label": "why" }, [
        el("span", { text: why }),
        el("span", { class: "sub", text: ready.lastTransitionTime ? "since " + ago(ready.lastTransitionTime) : "" }),
      ]),
    ]);
  }));
}

export function renderFailing(): void {
  const blocks: HTMLElement[] = [];
  for (const h of state.hosts) {
    const f = h.failing;
    if (!f.resources.length && !f.probes.length) continue;
    const items: Child[] = [el("h3", {}, [badge(h.phase), " " + h.host])];
    for (const p of f.probes) {
      items.push(el("div", {}, ["\u2716 probe ", el("code", { text: p.id }), el("span", { class: "muted", text: " failing since " + ago(p.since) })]), el("pre", { text: p.output || "(no output)" }));
    }
    for (const r of f.resources) {
      items.push(el("div", {}, ["\u2716 resource ", el("code", { text: r.id })]), el("pre", { text: r.error || "(no error text)" }));
    }
    blocks.push(el("div", { class: "fail", "data-failing": h.host }, items));
  }
  replace("failing-body", blocks.length ? blocks : [el("p", { class: "empty", text: "\u2714 nothing is failing" })]);
}
