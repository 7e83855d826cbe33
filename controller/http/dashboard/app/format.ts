// Words and badges: commit ids, ages, times, and a host state as colour, symbol and word.
import type { HostPhase, HostView } from "./api-types.js";
import { el } from "./dom.js";

/** A word and a symbol for every state: colour is never the only signal. */
export const PHASE_ICON: Record<HostPhase, string> = { Ready: "\u2714", Progressing: "\u21bb", Blocked: "\u26a0", Failed: "\u2716", Unknown: "?" };

const isPhase = (p: string): p is HostPhase => Object.prototype.hasOwnProperty.call(PHASE_ICON, p);

/** A known state as itself, anything else as Unknown. */
export const phaseOf = (p: string): HostPhase => (isPhase(p) ? p : "Unknown");

export function short(sha: string | null | undefined): string {
  return sha ? String(sha).slice(0, 12) : "\u2014";
}

/** "42 s ago", "3 min ago", "5 h ago", "2 d ago"; "" for no or an unreadable time. */
export function ago(iso: string | null | undefined): string {
  if (!iso) return "";
  let s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (isNaN(s)) return "";
  if (s < 0) s = 0;
  if (s < 90) return s + " s ago";
  if (s < 5400) return Math.round(s / 60) + " min ago";
  if (s < 129600) return Math.round(s / 3600) + " h ago";
  return Math.round(s / 86400) + " d ago";
}

export function time(iso: string): string {
  const d = new Date(iso);
  return isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A state badge; `phase` outside the known states is drawn as Unknown but keeps its name. */
export function badge(phase: string, word?: string): HTMLElement {
  const p = phaseOf(phase);
  return el("span", { class: "badge ph-" + p, "data-phase": phase }, [PHASE_ICON[p] + " " + (word || phase)]);
}

/**
 * A noop or sandboxed agent applies nothing and reports Ready: "would change N", never
 * "Converged". null when the host's last converge left nothing to change.
 */
export function wouldChangeText(h: HostView): string | null {
  const n = h.resources.wouldChange;
  return n > 0 ? n + " would change (noop/sandbox: not applied)" : null;
}

/** The badge beside the state of a host whose agent only reports what it would change. */
export function wouldChangeBadge(h: HostView): HTMLElement | null {
  const text = wouldChangeText(h);
  return text ? el("span", { class: "badge would-change", "data-would-change": String(h.resources.wouldChange) }, ["\u2248 " + text]) : null;
}

/** "⚑ pinned" or "↩ rolled back": the symbol and word of a pin or the fleet-wide rollback. */
export function heldWord(held: NonNullable<HostView["held"]>): string {
  return held.kind === "pinned" ? "\u2691 pinned" : "\u21a9 rolled back";
}

/** "⚑ pinned by api, 3 min ago": a pin or the fleet-wide rollback holding the host, or null. */
export function heldBadge(held: HostView["held"]): HTMLElement | null {
  if (!held) return null;
  return el("span", { class: "held", "data-held": held.kind, title: "to " + short(held.revision) + " since " + held.since, text: heldWord(held) + " by " + held.by + ", " + ago(held.since) });
}
