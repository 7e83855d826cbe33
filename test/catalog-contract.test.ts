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
const catalogs = compileFleet(loaded.fleet);

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
});
