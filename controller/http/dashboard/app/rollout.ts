// The current rollout: its state, revision, start, completion and maxUnavailable, the halt reason, and per
// target host the revision its catalog was compiled from (a pin's or the rollback's, with its
// badge, when not the rollout's) and whether it is done, applying, waiting (and for whom) or queued.
import type { HostPhase, HostView, RolloutPhase } from "./api-types.js";
import { durationText } from "../../../../shared/time.js";
import { el, replace } from "./dom.js";
import { ago, badge, heldBadge, short, time } from "./format.js";
import { state } from "./state.js";

/** A rollout's phase drawn as the host state of the same colour. */
const ROLLOUT_PHASE: Record<RolloutPhase, HostPhase> = { Progressing: "Progressing", Halted: "Blocked", Complete: "Ready", Aborted: "Failed", Superseded: "Unknown" };

/** "3 min ago (<local time>), in 0.12 s": when the rollout completed and how long it took. */
function completedText(startedAt: string, completedAt: string): string {
  return ago(completedAt) + " (" + time(completedAt) + "), in " + durationText(Date.parse(completedAt) - Date.parse(startedAt));
}

export function renderRollout(): void {
  const r = state.rollout;
  if (!r) return replace("rollout-body", [el("p", { class: "empty", text: "no rollout has started since the controller started" })]);
  const c = state.commits[r.revision];
  const views: Record<string, HostView> = {};
  for (const h of state.hosts) views[h.host] = h;
  const items = [
    el("dl", { class: "kv" }, [
      el("dt", { text: "state" }), el("dd", {}, [badge(ROLLOUT_PHASE[r.phase] || "Unknown", r.phase)]),
      el("dt", { text: "revision" }), el("dd", {}, [el("code", { text: short(r.revision) }), c ? " " + c.message + " \u2014 " + c.author : ""]),
      el("dt", { text: "started" }), el("dd", { text: ago(r.startedAt) + " (" + time(r.startedAt) + ")" }),
      ...(r.completedAt ? [el("dt", { text: "completed" }), el("dd", { "data-completed": r.completedAt, text: completedText(r.startedAt, r.completedAt) })] : []),
      el("dt", { text: "max unavailable" }), el("dd", { text: String(r.maxUnavailable) }),
    ]),
  ];
  if (r.halt) items.push(el("p", { class: "halt" }, ["\u26a0 halted at " + r.halt.host + ": " + r.halt.message]));
  const waiting = r.waiting;
  const rows = r.targets.map((t) => {
    const v = views[t.host];
    const wait = waiting[t.host];
    const published = r.published[t.host];
    const done = r.excused.indexOf(t.host) >= 0 || (v && v.phase === "Ready" && v.applied && v.applied.digest === t.digest);
    const what = done ? badge("Ready", "done") : wait ? badge("Blocked", "waiting") : published ? badge("Progressing", "applying") : badge("Unknown", "queued");
    const note = wait ? wait.message : published ? "published " + ago(published) : "";
    return el("tr", { "data-target": t.host, "data-revision": t.revision }, [
      el("td", { text: t.host }),
      el("td", {}, [el("code", { text: short(t.revision) }), heldBadge(t.held)]),
      el("td", {}, [what]),
      el("td", { text: note }),
    ]);
  });
  items.push(rows.length
    ? el("div", { class: "table-wrap" }, [el("table", {}, [el("thead", {}, [el("tr", {}, [el("th", { text: "host" }), el("th", { text: "revision" }), el("th", { text: "step" }), el("th", { text: "detail" })])]), el("tbody", {}, rows)])])
    : el("p", { class: "empty", text: "no host's catalog changed with this revision" }));
  replace("rollout-body", items);
}
