// The dashboard page (see docs/dashboard.md). A TS string module so tsc and esbuild carry it.
// Only same-origin URLs: the page must work without any external network.
export default String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>koji-fleet</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/style.css">
</head>
<body>
<header>
  <h1>koji-fleet</h1>
  <div class="rev" id="fleet-revision">revision in force: <span class="muted">loading…</span></div>
  <span id="conn" data-state="connecting" role="status" aria-live="polite">connecting…</span>
</header>
<main>
  <section id="validation" hidden aria-live="assertive">
    <h2>&#10006; Rejected commit</h2>
    <div id="validation-head"></div>
    <ul id="validation-errors"></ul>
  </section>
  <section id="counts" aria-label="hosts by state"></section>
  <section id="graph">
    <h2>Fleet graph <span class="muted">(arrow: waits for)</span></h2>
    <div id="graph-svg"><p class="empty">no hosts yet</p></div>
  </section>
  <section id="rollout">
    <h2>Current rollout</h2>
    <div id="rollout-body"><p class="empty">no rollout has started since the controller started</p></div>
  </section>
  <section id="koji-content">
    <h2>Koji content</h2>
    <div id="koji-content-body"><p class="empty">the revision in force declares no Koji content (koji.content)</p></div>
  </section>
  <section id="hosts">
    <h2>Hosts: desired and applied revision</h2>
    <div class="table-wrap">
      <table>
        <thead><tr><th>host</th><th>state</th><th>roles</th><th>desired</th><th>applied</th><th>why / since</th></tr></thead>
        <tbody id="host-rows"></tbody>
      </table>
    </div>
  </section>
  <section id="failing">
    <h2>Failing probes and resources</h2>
    <div id="failing-body"><p class="empty">nothing is failing</p></div>
  </section>
  <section id="events">
    <h2>Last 50 events</h2>
    <ul id="event-list"></ul>
  </section>
</main>
<script src="/dashboard/app.js" defer></script>
</body>
</html>
`;
