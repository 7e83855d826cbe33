// The dashboard's script: plain browser JavaScript (ES2017, no modules, no libraries), served
// as /dashboard/app.js. A TS string module so tsc and esbuild carry it; therefore no backquotes
// and no dollar-brace in the code below. Live through /api/v1/events/stream (server-sent events):
// `hosts` snapshots replace the host views, `fleet-event`s are prepended to the event list, and
// either one schedules a refetch of /api/v1/fleet and /api/v1/rollouts/current.
export default String.raw`(function () {
  "use strict";
  var API = "/api/v1";
  var SVGNS = "http://www.w3.org/2000/svg";
  var MAX_EVENTS = 50;
  // A word and a symbol for every state: colour is never the only signal.
  var PHASE_ICON = { Ready: "\u2714", Progressing: "\u21bb", Blocked: "\u26a0", Failed: "\u2716", Unknown: "?" };
  var ROLLOUT_PHASE = { Progressing: "Progressing", Halted: "Blocked", Complete: "Ready", Aborted: "Failed", Superseded: "Unknown" };

  var state = { hosts: [], edges: [], fleet: null, rollout: null, events: [], commits: {}, connected: false };

  // ---------- helpers ----------
  function el(tag, attrs, children) {
    var n = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (attrs[k] === undefined || attrs[k] === null) continue;
      if (k === "text") n.textContent = attrs[k];
      else if (k === "class") n.className = attrs[k];
      else n.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c !== null && c !== undefined) n.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return n;
  }
  function svg(tag, attrs, children) {
    var n = document.createElementNS(SVGNS, tag);
    for (var k in attrs || {}) n.setAttribute(k, attrs[k]);
    (children || []).forEach(function (c) { n.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return n;
  }
  function replace(id, nodes) {
    var target = document.getElementById(id);
    while (target.firstChild) target.removeChild(target.firstChild);
    nodes.forEach(function (c) { if (c !== null && c !== undefined) target.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
  }
  function short(sha) { return sha ? String(sha).slice(0, 12) : "\u2014"; }
  function ago(iso) {
    if (!iso) return "";
    var s = Math.round((Date.now() - Date.parse(iso)) / 1000);
    if (isNaN(s)) return "";
    if (s < 0) s = 0;
    if (s < 90) return s + " s ago";
    if (s < 5400) return Math.round(s / 60) + " min ago";
    if (s < 129600) return Math.round(s / 3600) + " h ago";
    return Math.round(s / 86400) + " d ago";
  }
  function time(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso || "") : d.toLocaleString();
  }
  function badge(phase, word) {
    var p = PHASE_ICON[phase] ? phase : "Unknown";
    return el("span", { class: "badge ph-" + p, "data-phase": phase }, [PHASE_ICON[p] + " " + (word || phase)]);
  }
  function remember(rev) {
    if (rev && rev.sha) state.commits[rev.sha] = rev;
  }
  function commitCell(sha) {
    if (!sha) return [el("span", { class: "muted", text: "\u2014" })];
    var c = state.commits[sha];
    var out = [el("code", { text: short(sha) })];
    if (c) out.push(el("span", { class: "sub", text: c.message }), el("span", { class: "sub", text: c.author + (c.date ? ", " + ago(c.date) : "") }));
    return out;
  }
  function getJSON(path) {
    return fetch(API + path, { headers: { accept: "application/json" }, cache: "no-store" }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    });
  }

  // ---------- header, validation, counts ----------
  function renderFleet() {
    var f = state.fleet;
    var head = [];
    if (f && f.revision) {
      head.push("revision in force: ", el("code", { text: f.revision.shortSha || short(f.revision.sha) }), " " + f.revision.message + " \u2014 " + f.revision.author + ", " + ago(f.revision.date));
    } else head.push("revision in force: ", el("span", { class: "muted", text: "none yet" }));
    if (f && f.git && f.git.error) head.push(el("span", { class: "sub", text: " \u26a0 git: " + f.git.error }));
    replace("fleet-revision", head);

    var v = f && f.validation;
    var box = document.getElementById("validation");
    if (v && v.state === "invalid") {
      box.hidden = false;
      var r = v.revision || {};
      replace("validation-head", [
        el("p", {}, ["Commit ", el("code", { text: r.shortSha || short(r.sha) }), " \u201c" + (r.message || "") + "\u201d by " + (r.author || "?") + " was rejected " + ago(v.at) + "; the fleet stays at the revision in force."]),
      ]);
      replace("validation-errors", (v.errors || []).map(function (e) {
        return el("li", { class: "verror" }, [el("code", { class: "loc", text: e.file + ":" + e.line + ":" + e.col }), " " + e.message]);
      }));
    } else {
      box.hidden = true;
    }
  }
  function renderCounts() {
    var counts = { Ready: 0, Progressing: 0, Blocked: 0, Failed: 0, Unknown: 0 };
    state.hosts.forEach(function (h) { counts[h.phase] = (counts[h.phase] || 0) + 1; });
    replace("counts", [el("span", { class: "count", text: state.hosts.length + " hosts:" })].concat(Object.keys(counts).map(function (p) {
      return badge(p, counts[p] + " " + p);
    })));
  }

  // ---------- graph ----------
  function layers() {
    var waits = {};
    state.hosts.forEach(function (h) { waits[h.host] = []; });
    state.edges.forEach(function (e) { if (waits[e.from]) waits[e.from].push(e.to); });
    var depth = {};
    function d(host, seen) {
      if (depth[host] !== undefined) return depth[host];
      if (seen[host]) return 0;
      seen[host] = true;
      var m = -1;
      (waits[host] || []).forEach(function (o) { if (waits[o]) m = Math.max(m, d(o, seen)); });
      depth[host] = m + 1;
      return depth[host];
    }
    var out = [];
    state.hosts.forEach(function (h) {
      var i = d(h.host, {});
      (out[i] = out[i] || []).push(h);
    });
    return out.filter(Boolean);
  }
  function renderGraph() {
    if (!state.hosts.length) return replace("graph-svg", [el("p", { class: "empty", text: "no hosts yet" })]);
    var box = document.getElementById("graph-svg");
    var vertical = box.clientWidth > 0 && box.clientWidth < 560;
    var L = layers();
    // Narrow screens stack the layers top to bottom with narrower nodes and larger text.
    var W = vertical ? 150 : 190, H = 66, GX = vertical ? 50 : 70, GY = vertical ? 12 : 22;
    var pos = {};
    var maxRows = Math.max.apply(null, L.map(function (l) { return l.length; }));
    L.forEach(function (layer, i) {
      layer.forEach(function (h, j) {
        var offset = (maxRows - layer.length) / 2;
        pos[h.host] = vertical
          ? { x: (j + offset) * (W + GY), y: i * (H + GX) }
          : { x: i * (W + GX), y: (j + offset) * (H + GY) };
      });
    });
    var width = vertical ? maxRows * (W + GY) - GY : L.length * (W + GX) - GX;
    var height = vertical ? L.length * (H + GX) - GX : maxRows * (H + GY) - GY;
    var root = svg("svg", { viewBox: "-8 -8 " + (width + 16) + " " + (height + 16), role: "img", "aria-label": "hosts and the hosts they wait for", class: vertical ? "vertical" : "horizontal" });
    root.appendChild(svg("defs", {}, [svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "8", markerHeight: "8", orient: "auto-start-reverse" }, [svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#8a96a3" })])]));
    state.edges.forEach(function (e) {
      var a = pos[e.from], b = pos[e.to];
      if (!a || !b) return;
      var d;
      if (vertical) {
        var x1 = a.x + W / 2, y1 = a.y, x2 = b.x + W / 2, y2 = b.y + H, my = (y1 + y2) / 2;
        d = "M" + x1 + "," + y1 + " C" + x1 + "," + my + " " + x2 + "," + my + " " + x2 + "," + y2;
      } else {
        var sx = a.x, sy = a.y + H / 2, tx = b.x + W, ty = b.y + H / 2, mx = (sx + tx) / 2;
        d = "M" + sx + "," + sy + " C" + mx + "," + sy + " " + mx + "," + ty + " " + tx + "," + ty;
      }
      root.appendChild(svg("path", { class: "edge", d: d, "marker-end": "url(#arrow)", "data-edge": e.from + ">" + e.to }, [svg("title", {}, [e.from + " waits for " + e.role + " on " + e.to])]));
    });
    state.hosts.forEach(function (h) {
      var p = pos[h.host];
      var phase = PHASE_ICON[h.phase] ? h.phase : "Unknown";
      var g = svg("g", { class: "node ph-" + phase, transform: "translate(" + p.x + "," + p.y + ")", "data-node": h.host, "data-phase": h.phase }, [
        svg("title", {}, [h.host + ": " + h.phase + (h.conditions && h.conditions[0] && h.phase !== "Ready" ? " \u2014 " + h.conditions[0].reason + ": " + h.conditions[0].message : "")]),
        svg("rect", { width: W, height: H, rx: 8 }),
        svg("text", { x: 10, y: 20, class: "name" }, [h.host]),
        svg("text", { x: 10, y: 39 }, [PHASE_ICON[phase] + " " + h.phase + "  \u00b7  " + short(h.revision).slice(0, 7)]),
        svg("text", { x: 10, y: 57, class: "roles" }, [(h.roles || []).join(", ")]),
      ]);
      root.appendChild(g);
    });
    replace("graph-svg", [root]);
  }

  // ---------- hosts table, failing ----------
  function renderHosts() {
    var fleetSha = state.fleet && state.fleet.revision ? state.fleet.revision.sha : null;
    replace("host-rows", state.hosts.map(function (h) {
      var ready = (h.conditions || [])[0] || {};
      var behind = fleetSha && h.revision !== fleetSha;
      var applied = h.revision || (h.applied && h.applied.revision) || null;
      return el("tr", { class: behind ? "behind" : "", "data-host": h.host, "data-phase": h.phase, "data-revision": h.revision || "" }, [
        el("td", { "data-label": "host" }, [el("strong", { text: h.host }), h.agentVersion ? el("span", { class: "sub", text: "agent " + h.agentVersion }) : null]),
        el("td", { "data-label": "state" }, [badge(h.phase)]),
        el("td", { "data-label": "roles", text: (h.roles || []).join(", ") }),
        el("td", { "data-label": "desired", class: "rev-desired" }, commitCell(fleetSha)),
        el("td", { "data-label": "applied", class: "rev-applied" }, commitCell(applied).concat(h.revision ? [] : [el("span", { class: "sub", text: "not at a fleet revision" })])),
        el("td", { "data-label": "why" }, [
          el("span", { text: ready.reason ? ready.reason + (ready.message && h.phase !== "Ready" ? ": " + ready.message : "") : "" }),
          el("span", { class: "sub", text: ready.lastTransitionTime ? "since " + ago(ready.lastTransitionTime) : "" }),
        ]),
      ]);
    }));
  }
  function renderFailing() {
    var blocks = [];
    state.hosts.forEach(function (h) {
      var f = h.failing || { resources: [], probes: [] };
      if (!f.resources.length && !f.probes.length) return;
      var items = [el("h3", {}, [badge(h.phase), " " + h.host])];
      f.probes.forEach(function (p) {
        items.push(el("div", {}, ["\u2716 probe ", el("code", { text: p.id }), el("span", { class: "muted", text: " failing since " + ago(p.since) })]), el("pre", { text: p.output || "(no output)" }));
      });
      f.resources.forEach(function (r) {
        items.push(el("div", {}, ["\u2716 resource ", el("code", { text: r.id })]), el("pre", { text: r.error || "(no error text)" }));
      });
      blocks.push(el("div", { class: "fail", "data-failing": h.host }, items));
    });
    replace("failing-body", blocks.length ? blocks : [el("p", { class: "empty", text: "\u2714 nothing is failing" })]);
  }

  // ---------- rollout ----------
  function renderRollout() {
    var r = state.rollout;
    if (!r) return replace("rollout-body", [el("p", { class: "empty", text: "no rollout has started since the controller started" })]);
    var c = state.commits[r.revision];
    var views = {};
    state.hosts.forEach(function (h) { views[h.host] = h; });
    var items = [
      el("dl", { class: "kv" }, [
        el("dt", { text: "state" }), el("dd", {}, [badge(ROLLOUT_PHASE[r.phase] || "Unknown", r.phase)]),
        el("dt", { text: "revision" }), el("dd", {}, [el("code", { text: short(r.revision) }), c ? " " + c.message + " \u2014 " + c.author : ""]),
        el("dt", { text: "started" }), el("dd", { text: ago(r.startedAt) + " (" + time(r.startedAt) + ")" }),
        el("dt", { text: "max unavailable" }), el("dd", { text: String(r.maxUnavailable) }),
      ]),
    ];
    if (r.halt) items.push(el("p", { class: "halt" }, ["\u26a0 halted at " + r.halt.host + ": " + r.halt.message]));
    var waiting = r.waiting || {};
    var rows = (r.targets || []).map(function (t) {
      var v = views[t.host];
      var done = (r.excused || []).indexOf(t.host) >= 0 || (v && v.phase === "Ready" && v.applied && v.applied.digest === t.digest);
      var what = done ? badge("Ready", "done") : waiting[t.host] ? badge("Blocked", "waiting") : r.published[t.host] ? badge("Progressing", "applying") : badge("Unknown", "queued");
      var note = waiting[t.host] ? waiting[t.host].message : r.published[t.host] ? "published " + ago(r.published[t.host]) : "";
      return el("tr", { "data-target": t.host }, [el("td", { text: t.host }), el("td", {}, [what]), el("td", { text: note })]);
    });
    items.push(rows.length
      ? el("div", { class: "table-wrap" }, [el("table", {}, [el("thead", {}, [el("tr", {}, [el("th", { text: "host" }), el("th", { text: "step" }), el("th", { text: "detail" })])]), el("tbody", {}, rows)])])
      : el("p", { class: "empty", text: "no host's catalog changed with this revision" }));
    replace("rollout-body", items);
  }

  // ---------- events ----------
  function renderEvents() {
    var list = state.events.slice().reverse();
    replace("event-list", list.length ? list.map(function (e) {
      var sev = e.severity === "error" ? "\u2716" : e.severity === "warning" ? "\u26a0" : "\u2139";
      return el("li", { class: "sev-" + e.severity, "data-event": e.type }, [
        el("span", { class: "when", title: e.at, text: time(e.at) }),
        el("span", { class: "what" }, [sev + " ", el("strong", { text: e.type }), e.host ? " " + e.host : "", ": " + e.message]),
      ]);
    }) : [el("li", { class: "empty", text: "no events yet" })]);
  }
  function addEvent(e) {
    if (state.events.some(function (x) { return x.id === e.id; })) return;
    state.events.push(e);
    if (state.events.length > MAX_EVENTS) state.events.splice(0, state.events.length - MAX_EVENTS);
    renderEvents();
  }

  // ---------- data ----------
  function renderAll() {
    renderFleet(); renderCounts(); renderGraph(); renderHosts(); renderFailing(); renderRollout(); renderEvents();
  }
  var refreshTimer = null;
  function refresh() {
    return Promise.all([getJSON("/fleet"), getJSON("/rollouts/current")]).then(function (res) {
      var f = res[0].status === 200 ? res[0].body : null;
      if (f) {
        remember(f.revision);
        if (f.validation && f.validation.state === "invalid") remember(f.validation.revision);
      }
      state.fleet = f;
      state.rollout = res[1].status === 200 ? res[1].body : null;
      renderFleet(); renderHosts(); renderRollout();
    }).catch(function () { /* the stream's reconnect will refresh */ });
  }
  function scheduleRefresh() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(function () { refreshTimer = null; refresh(); }, 150);
  }
  function loadEvents() {
    return getJSON("/events?limit=" + MAX_EVENTS).then(function (r) {
      if (r.status !== 200) return;
      state.events = r.body.events.slice(-MAX_EVENTS);
      renderEvents();
    }).catch(function () {});
  }
  function setConn(s, text) {
    var c = document.getElementById("conn");
    c.setAttribute("data-state", s);
    c.textContent = text;
  }
  function connect() {
    var es = new EventSource(API + "/events/stream");
    es.onopen = function () {
      setConn("live", "\u25cf live");
      refresh(); loadEvents();
    };
    es.onerror = function () { setConn("down", "\u25cb reconnecting\u2026"); };
    es.addEventListener("hosts", function (m) {
      var snap = JSON.parse(m.data);
      state.hosts = snap.hosts || [];
      state.edges = snap.edges || [];
      renderCounts(); renderGraph(); renderHosts(); renderFailing(); renderRollout();
      scheduleRefresh();
    });
    es.addEventListener("fleet-event", function (m) {
      addEvent(JSON.parse(m.data));
      scheduleRefresh();
    });
  }

  var lastWidth = 0;
  window.addEventListener("resize", function () {
    var w = document.getElementById("graph-svg").clientWidth;
    if ((w < 560) !== (lastWidth < 560)) renderGraph();
    lastWidth = w;
  });
  // Relative times ("3 min ago") age without new data.
  setInterval(function () { renderFleet(); renderHosts(); renderRollout(); }, 15000);
  lastWidth = document.getElementById("graph-svg").clientWidth;
  renderAll();
  connect();
})();
`;
