// The last events, newest first: the list loaded once, then each one the stream brings.
import type { FleetEvent } from "./api-types.js";
import { el, replace } from "./dom.js";
import { time } from "./format.js";
import { MAX_EVENTS, state } from "./state.js";

export function renderEvents(): void {
  const list = state.events.slice().reverse();
  replace("event-list", list.length ? list.map((e) => el("li", { class: "sev-" + e.severity, "data-event": e.type }, [
    el("span", { class: "when", title: e.at, text: time(e.at) }),
    el("span", { class: "what" }, [(e.severity === "error" ? "\u2716" : e.severity === "warning" ? "\u26a0" : "\u2139") + " ", el("strong", { text: e.type }), e.host ? " " + e.host : "", ": " + e.message]),
  ])) : [el("li", { class: "empty", text: "no events yet" })]);
}

/** Adds an event the stream brought, once (a reconnect may replay it). */
export function addEvent(e: FleetEvent): void {
  if (state.events.some((x) => x.id === e.id)) return;
  state.events.push(e);
  if (state.events.length > MAX_EVENTS) state.events.splice(0, state.events.length - MAX_EVENTS);
  renderEvents();
}
