// The dashboard's script (docs/dashboard.md), bundled by esbuild (packaging/dashboard.mjs) into
// one classic script served as /dashboard/app.js. Live through /api/v1/events/stream
// (server-sent events): `hosts` snapshots replace the host views, `fleet-event`s are prepended
// to the event list, and either one schedules a refetch of /api/v1/fleet,
// /api/v1/rollouts/current and /api/v1/koji.
/// <reference lib="dom" />
import type { CurrentRollout, EventList, FleetEvent, FleetSummary, HostsSnapshot, KojiStatus } from "./api-types.js";
import { byId } from "./dom.js";
import { addEvent, renderEvents } from "./events.js";
import { NARROW, renderGraph } from "./graph.js";
import { renderCounts, renderFailing, renderFleet, renderHosts } from "./panels.js";
import { renderKojiContent } from "./koji-content.js";
import { renderRollout } from "./rollout.js";
import { MAX_EVENTS, remember, state } from "./state.js";

const API = "/api/v1";

/** The body of a 200 answer, null for any other status; rejects when the body is not JSON. */
async function getJSON<T>(path: string): Promise<T | null> {
  const r = await fetch(API + path, { headers: { accept: "application/json" }, cache: "no-store" });
  const body: unknown = await r.json();
  return r.status === 200 ? (body as T) : null;
}

function renderAll(): void {
  renderFleet(); renderCounts(); renderGraph(); renderHosts(); renderFailing(); renderRollout(); renderEvents();
}

async function refresh(): Promise<void> {
  try {
    const [f, rollout, koji] = await Promise.all([getJSON<FleetSummary>("/fleet"), getJSON<CurrentRollout>("/rollouts/current"), getJSON<KojiStatus>("/koji")]);
    if (f) {
      remember(f.revision);
      if (f.validation.state === "invalid") remember(f.validation.revision);
    }
    state.fleet = f;
    state.rollout = rollout;
    renderFleet(); renderHosts(); renderRollout(); renderKojiContent(koji);
  } catch {
    // the stream's reconnect will refresh
  }
}

let refreshTimer: ReturnType<typeof setTimeout> | null = null;
function scheduleRefresh(): void {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => { refreshTimer = null; void refresh(); }, 150);
}

async function loadEvents(): Promise<void> {
  try {
    const list = await getJSON<EventList>("/events?limit=" + MAX_EVENTS);
    if (!list) return;
    state.events = list.events.slice(-MAX_EVENTS);
    renderEvents();
  } catch {
    // as above
  }
}

function setConn(s: "live" | "down", text: string): void {
  const c = byId("conn");
  c.setAttribute("data-state", s);
  c.textContent = text;
}

function connect(): void {
  const es = new EventSource(API + "/events/stream");
  es.onopen = () => {
    setConn("live", "\u25cf live");
    void refresh(); void loadEvents();
  };
  es.onerror = () => setConn("down", "\u25cb reconnecting\u2026");
  es.addEventListener("hosts", (m) => {
    const snap = JSON.parse(m.data as string) as HostsSnapshot;
    state.hosts = snap.hosts;
    state.edges = snap.edges;
    renderCounts(); renderGraph(); renderHosts(); renderFailing(); renderRollout();
    scheduleRefresh();
  });
  es.addEventListener("fleet-event", (m) => {
    addEvent(JSON.parse(m.data as string) as FleetEvent);
    scheduleRefresh();
  });
}

let lastWidth = 0;
window.addEventListener("resize", () => {
  const w = byId("graph-svg").clientWidth;
  if ((w < NARROW) !== (lastWidth < NARROW)) renderGraph();
  lastWidth = w;
});
// Relative times ("3 min ago") age without new data.
setInterval(() => { renderFleet(); renderHosts(); renderRollout(); }, 15000);
lastWidth = byId("graph-svg").clientWidth;
renderAll();
connect();
