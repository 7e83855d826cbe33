// What the page knows: the last hosts snapshot, /fleet, the current rollout, the events, and
// every commit it has seen (to show a message and author beside a sha). One per page.
import type { CurrentRollout, FleetEvent, FleetSummary, GraphEdge, HostView, RevisionInfo } from "./api-types.js";
import { ago, short } from "./format.js";
import { el, type Child } from "./dom.js";

export const MAX_EVENTS = 50;

export const state = {
  hosts: [] as HostView[],
  edges: [] as GraphEdge[],
  fleet: null as FleetSummary | null,
  rollout: null as CurrentRollout | null,
  events: [] as FleetEvent[],
  commits: {} as Record<string, RevisionInfo>,
};

export function remember(rev: RevisionInfo | null): void {
  if (rev && rev.sha) state.commits[rev.sha] = rev;
}

/** A sha with the commit's message and author when the page has seen that commit. */
export function commitCell(sha: string | null): Child[] {
  if (!sha) return [el("span", { class: "muted", text: "\u2014" })];
  const c = state.commits[sha];
  const out: Child[] = [el("code", { text: short(sha) })];
  if (c) out.push(el("span", { class: "sub", text: c.message }), el("span", { class: "sub", text: c.author + (c.date ? ", " + ago(c.date) : "") }));
  return out;
}
