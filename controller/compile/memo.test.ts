import { describe, expect, it } from "vitest";
import type { FleetConfig } from "../config/fleet-schema.js";
import type { CatalogContent } from "../../shared/protocol.js";
import { compileFleet, type CompileOptions } from "./compile.js";
import { CompileMemo } from "./memo.js";
import { BUILDER, LOOKASIDE, withExtraBuilders } from "../../test/support/compiled-fleet.js";

/** The reference farm, 3 more builders and a second lookaside host. */
function farm(): FleetConfig {
  const fleet = withExtraBuilders(3);
  fleet.hosts.push({ name: "lookaside-2", address: "10.2.0.1", roles: ["lookaside"] });
  return fleet;
}

/** `fleet` with host `name` changed by `edit`. */
function editHost(fleet: FleetConfig, name: string, edit: (h: FleetConfig["hosts"][number]) => FleetConfig["hosts"][number]): FleetConfig {
  return { ...fleet, hosts: fleet.hosts.map((h) => (h.name === name ? edit(h) : h)) };
}

type Step = { compiled: string[]; contents: CatalogContent[] };

/**
 * Compiles with the memo and checks the result against compiling afresh. `compiled`: the hosts
 * whose content is not the previous step's object, as many as the memo counts.
 */
function step(memo: CompileMemo, fleet: FleetConfig, previous: Step | null, opts: CompileOptions = {}): Step {
  const before = memo.compiled;
  const contents = compileFleet(fleet, opts, memo);
  expect(contents).toEqual(compileFleet(fleet, opts));
  const compiled = contents.filter((c) => previous?.contents.find((p) => p.host === c.host) !== c).map((c) => c.host);
  expect(memo.compiled - before).toBe(compiled.length);
  return { compiled, contents };
}

describe("CompileMemo: a host is compiled again only when an input it reads changed", () => {
  const builders = [BUILDER, "builder-001", "builder-002", "builder-003"];

  it("compiles everything once, then nothing for the same fleet (the same objects come back)", () => {
    const memo = new CompileMemo();
    const first = step(memo, farm(), null);
    expect(first.compiled).toHaveLength(farm().hosts.length);
    const again = step(memo, farm(), first);
    expect(again.compiled).toEqual([]);
    expect(again.contents[0]).toBe(first.contents[0]);
  });

  it.each<[string, (f: FleetConfig) => FleetConfig, CompileOptions | undefined, (all: string[]) => string[]]>([
    ["one builder's settings: that builder", (f) => editHost(f, "builder-002", (h) => ({ ...h, settings: { maxjobs: 3 } })), undefined, () => ["builder-002"]],
    ["one builder's address: that builder and the NFS server (its exports list builders)", (f) => editHost(f, "builder-001", (h) => ({ ...h, address: "10.9.9.9" })), undefined, () => ["builder-001", "cs10-koji-02"]],
    ["a second lookaside's address: it and every builder (/etc/hosts lists the lookasides)", (f) => editHost(f, "lookaside-2", (h) => ({ ...h, address: "10.2.0.9" })), undefined, () => [...builders, "lookaside-2"]],
    ["a builder added: it and the NFS server", (f) => ({ ...f, hosts: [...f.hosts, { name: "builder-004", address: "10.1.0.5", roles: ["builder"] }] }), undefined, () => ["builder-004", "cs10-koji-02"]],
    ["a builder registered in Koji: that builder", (f) => f, { registeredBuilders: new Set(["builder-003"]) }, () => ["builder-003"]],
    ["koji.topdir (every host's client profile): every host", (f) => ({ ...f, koji: { ...f.koji, topdir: "/srv/koji" } }), undefined, (all) => all],
    ["the hub's address (everybody's /etc/hosts): every host", (f) => editHost(f, "cs10-koji-00", (h) => ({ ...h, address: "192.168.122.99" })), undefined, (all) => all],
  ])("%s", (_name, change, opts, expected) => {
    const memo = new CompileMemo();
    const first = step(memo, farm(), null);
    const after = change(farm());
    const { compiled } = step(memo, after, first, opts);
    expect(compiled.sort()).toEqual(expected(after.hosts.map((h) => h.name)).sort());
  });

  // The memo's list of what each host reads is written by hand: sweep every host, so a part that
  // reads a peer the list misses shows up as a stale catalog (step() compares with a fresh compile).
  it("every host's address, then its presence, changed one at a time: always what a fresh compile gives", () => {
    const memo = new CompileMemo();
    let previous = step(memo, farm(), null);
    for (const [i, host] of farm().hosts.entries()) {
      previous = step(memo, editHost(farm(), host.name, (h) => ({ ...h, address: `10.250.0.${i + 1}` })), previous);
      previous = step(memo, farm(), previous);
    }
    for (const host of farm().hosts.filter((h) => h.roles.every((r) => r === "builder" || r === "lookaside"))) {
      previous = step(memo, { ...farm(), hosts: farm().hosts.filter((h) => h !== host && h.name !== host.name) }, previous);
      previous = step(memo, farm(), previous);
    }
  });

  it("forgets a host that left the fleet: back, it is compiled again", () => {
    const memo = new CompileMemo();
    const first = step(memo, farm(), null);
    const without = step(memo, { ...farm(), hosts: farm().hosts.filter((h) => h.name !== "builder-003") }, first);
    expect(step(memo, farm(), without).compiled).toEqual(["builder-003", "cs10-koji-02"]);
  });

  it("keeps the lookaside host's content when only a builder changes", () => {
    const memo = new CompileMemo();
    const first = step(memo, farm(), null);
    const next = step(memo, editHost(farm(), BUILDER, (h) => ({ ...h, settings: { maxjobs: 2 } })), first);
    const of = (r: Step, host: string) => r.contents.find((c) => c.host === host);
    expect(of(next, LOOKASIDE)).toBe(of(first, LOOKASIDE));
  });
});
