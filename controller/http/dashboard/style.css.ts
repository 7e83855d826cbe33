// The dashboard's stylesheet, kept as a TS string module so that both `tsc` (dist/) and the
// esbuild bundle carry it without a loader or a copy step. Plain CSS: no backquotes, no "${".
export default String.raw`
:root {
  --bg: #f6f7f9; --panel: #fff; --ink: #1d232b; --muted: #5b6673; --line: #d6dbe1;
  --ready: #1f8a3b; --ready-bg: #e3f5e8;
  --blocked: #a86400; --blocked-bg: #fff1d6;
  --failed: #c62828; --failed-bg: #fde4e4;
  --progressing: #1c62c4; --progressing-bg: #e1ecfb;
  --unknown: #6b7280; --unknown-bg: #eceef1;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 0.9em; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem; padding: 0.75rem 1rem; background: #22303f; color: #fff; }
header h1 { font-size: 1.15rem; margin: 0; }
header .rev { font-size: 0.9rem; opacity: 0.95; }
header .rev code { background: rgba(255,255,255,0.15); padding: 0 0.3em; border-radius: 3px; }
#conn { margin-left: auto; font-size: 0.85rem; padding: 0.15rem 0.6rem; border-radius: 999px; background: #44566a; }
#conn[data-state="live"] { background: var(--ready); }
#conn[data-state="down"] { background: var(--failed); }
main { display: grid; gap: 1rem; padding: 1rem; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); grid-template-areas: "valid valid" "counts counts" "graph rollout" "hosts hosts" "failing events"; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 0.75rem 1rem; min-width: 0; }
section h2 { font-size: 1rem; margin: 0 0 0.6rem; }
#validation { grid-area: valid; border-color: var(--failed); background: var(--failed-bg); }
#validation[hidden] { display: none; }
#counts { grid-area: counts; display: flex; flex-wrap: wrap; gap: 0.5rem; padding: 0.5rem 1rem; }
#graph { grid-area: graph; }
#rollout { grid-area: rollout; }
#hosts { grid-area: hosts; }
#failing { grid-area: failing; }
#events { grid-area: events; }
@media (max-width: 900px) {
  main { grid-template-columns: minmax(0, 1fr); grid-template-areas: "valid" "counts" "graph" "rollout" "hosts" "failing" "events"; padding: 0.5rem; gap: 0.6rem; }
  header { padding: 0.6rem; }
  #conn { margin-left: 0; }
}
.muted { color: var(--muted); }
.empty { color: var(--muted); font-style: italic; }
.badge { display: inline-flex; align-items: center; gap: 0.3em; padding: 0.1rem 0.5rem; border-radius: 999px; font-size: 0.85rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.ph-Ready { color: var(--ready); background: var(--ready-bg); }
.ph-Blocked { color: var(--blocked); background: var(--blocked-bg); }
.ph-Failed { color: var(--failed); background: var(--failed-bg); }
.ph-Progressing { color: var(--progressing); background: var(--progressing-bg); }
.ph-Unknown { color: var(--unknown); background: var(--unknown-bg); }
.count { font-size: 0.9rem; }
/* a noop or sandboxed agent: Ready, but nothing was applied */
.badge.would-change { color: var(--muted); background: transparent; border-style: dashed; margin-left: 0.3em; }
/* graph */
#graph svg { width: 100%; height: auto; display: block; }
#graph .node rect { stroke-width: 2; }
#graph .node text { font-size: 13px; fill: var(--ink); }
#graph .node .name { font-weight: 600; }
#graph svg.vertical .node text { font-size: 14px; }
#graph svg.vertical { max-width: 480px; margin: 0 auto; }
#graph .node.ph-Ready rect { fill: var(--ready-bg); stroke: var(--ready); }
#graph .node.ph-Blocked rect { fill: var(--blocked-bg); stroke: var(--blocked); stroke-dasharray: 6 3; }
#graph .node.ph-Failed rect { fill: var(--failed-bg); stroke: var(--failed); stroke-width: 3; }
#graph .node.ph-Progressing rect { fill: var(--progressing-bg); stroke: var(--progressing); stroke-dasharray: 2 3; }
#graph .node.ph-Unknown rect { fill: var(--unknown-bg); stroke: var(--unknown); stroke-dasharray: 1 4; }
#graph .node.would-change rect { fill: transparent; stroke-dasharray: 10 3 2 3; }
#graph .node .held rect { fill: var(--progressing-bg); stroke: var(--progressing); stroke-width: 1; stroke-dasharray: 3 2; }
#graph .node .held text { font-size: 11px; font-weight: 600; fill: var(--progressing); }
#graph .edge { stroke: #8a96a3; stroke-width: 1.5; fill: none; }
#graph .edge-label { font-size: 11px; fill: var(--muted); }
/* tables */
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.4rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.03em; }
td .sub { display: block; color: var(--muted); font-size: 0.85em; }
td .held { display: inline-block; margin-top: 0.2rem; padding: 0.05rem 0.45rem; border-radius: 999px; border: 1px dashed var(--progressing); color: var(--progressing); font-size: 0.8em; font-weight: 600; white-space: nowrap; }
tr.behind td.rev-applied { color: var(--progressing); font-weight: 600; }
@media (max-width: 600px) {
  #hosts table, #hosts tbody, #hosts tr, #hosts td { display: block; width: 100%; }
  #hosts thead { display: none; }
  #hosts tr { border-bottom: 1px solid var(--line); padding: 0.4rem 0; }
  #hosts td { border: 0; padding: 0.15rem 0; }
  #hosts td::before { content: attr(data-label) ": "; color: var(--muted); font-size: 0.8rem; }
}
/* failing, validation, events */
.fail { margin: 0 0 0.8rem; }
.fail h3 { font-size: 0.95rem; margin: 0 0 0.3rem; }
pre { white-space: pre-wrap; word-break: break-word; background: #f1f3f5; border: 1px solid var(--line); border-radius: 4px; padding: 0.4rem 0.5rem; margin: 0.2rem 0 0.5rem; max-height: 14rem; overflow: auto; }
#validation ul { margin: 0.3rem 0 0; padding-left: 1.2rem; }
#validation li { margin: 0.2rem 0; }
#validation .loc { font-weight: 700; }
#event-list { list-style: none; margin: 0; padding: 0; max-height: 32rem; overflow-y: auto; }
#event-list li { display: grid; grid-template-columns: auto 1fr; gap: 0 0.6rem; padding: 0.35rem 0; border-bottom: 1px solid var(--line); font-size: 0.88rem; }
#event-list .when { color: var(--muted); white-space: nowrap; }
#event-list .sev-error .what { color: var(--failed); }
#event-list .sev-warning .what { color: var(--blocked); }
dl.kv { display: grid; grid-template-columns: auto 1fr; gap: 0.2rem 0.8rem; margin: 0 0 0.5rem; font-size: 0.9rem; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.halt { color: var(--failed); font-weight: 600; }
`;
