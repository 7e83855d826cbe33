// The controller's compiler and the agent's kinds meet here: every resource and probe the
// compiler emits must name a kind the agent has, with props that kind's schema accepts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadFleet } from "../controller/config/load-fleet.js";
import { compileFleet } from "../controller/compile/compile.js";
import { defaultKinds } from "../agent/kinds/index.js";
import { defaultProbes } from "../agent/probes/index.js";
import { checkProps } from "../agent/engine/props.js";
import { orderResources } from "../agent/engine/order.js";

const example = readFileSync(new URL("../gitops/fleet.yaml", import.meta.url), "utf8");
const loaded = loadFleet(example, "fleet.yaml");
if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
// The reference farm, and every role on one host (all merges at once), with every compile input.
const allInOne = loadFleet(
  "apiVersion: koji-fleet/v1\nfleet: { name: solo, domain: example.org }\nhosts:\n  - { name: koji, address: 10.0.0.1, roles: [hub, web, kojira, database, nfs, builder, lookaside] }\n",
  "solo.yaml",
);
if (!allInOne.ok) throw new Error(allInOne.errors.map((e) => e.message).join("\n"));
const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const catalogs = [
  ...compileFleet(loaded.fleet),
  ...compileFleet(allInOne.fleet, { registeredBuilders: new Set(["koji"]), caCertPem: CA }),
];

describe("compiled catalogs are accepted by the agent", () => {
  it.each(catalogs.map((c) => [c.host, c] as const))("%s: every resource kind exists and its props validate", (_host, c) => {
    const problems = c.resources.flatMap((r) => {
      const kind = defaultKinds.get(r.kind);
      if (!kind) return [`${r.id}: no agent kind '${r.kind}'`];
      const err = checkProps(kind.schema, r.props);
      return err ? [`${r.id}: ${err}`] : [];
    });
    expect(problems).toEqual([]);
  });

  it.each(catalogs.map((c) => [c.host, c] as const))("%s: every probe kind exists and its props validate", (_host, c) => {
    const problems = c.probes.flatMap((p) => {
      const kind = defaultProbes.get(p.kind);
      if (!kind) return [`${p.id}: no agent probe '${p.kind}'`];
      const err = checkProps(kind.schema, p.props);
      return err ? [`${p.id}: ${err}`] : [];
    });
    expect(problems).toEqual([]);
  });

  it.each(catalogs.map((c) => [c.host, c] as const))("%s: resources can be ordered (no cycle, no dangling reference)", (_host, c) => {
    expect(orderResources(c.resources)).toHaveLength(c.resources.length);
  });

  it.each(catalogs.map((c) => [c.host, c] as const))("%s: every requires/notifies target exists; notifies only what can refresh", (_host, c) => {
    const byId = new Map(c.resources.map((r) => [r.id, r]));
    const problems = c.resources.flatMap((r) => [
      ...r.requires.filter((id) => !byId.has(id)).map((id) => `${r.id} requires missing ${id}`),
      ...r.notifies.filter((id) => !byId.has(id)).map((id) => `${r.id} notifies missing ${id}`),
      // Only kinds with a refresh act on a notification; anything else would be a silent no-op.
      ...r.notifies.filter((id) => byId.has(id) && !defaultKinds.get(byId.get(id)!.kind)?.refresh).map((id) => `${r.id} notifies ${id}, which cannot refresh`),
    ]);
    expect(problems).toEqual([]);
  });
});
