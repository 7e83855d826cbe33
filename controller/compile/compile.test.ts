import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { digestOf } from "../../shared/canonical.js";
import { ProbeSchema, ResourceSchema, type CatalogContent } from "../../shared/protocol.js";
import { defaultsApplied } from "../config/defaults.js";
import type { FleetConfig } from "../config/fleet-schema.js";
import { loadFleet } from "../config/load-fleet.js";
import { compileFleet } from "./compile.js";
import { opensslSubj, rfc2253, webCertSubject } from "./pki.js";

function reference(): FleetConfig {
  const result = loadFleet(readFileSync(new URL("../../gitops/fleet.yaml", import.meta.url)), "fleet.yaml");
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.fleet;
}

const digests = (catalogs: CatalogContent[]) => Object.fromEntries(catalogs.map((c) => [c.host, digestOf(c)]));

/** Hosts whose catalog digest differs between two compilations (added hosts count as changed). */
function changedHosts(before: FleetConfig, after: FleetConfig): string[] {
  const a = digests(compileFleet(before));
  const b = digests(compileFleet(after));
  return Object.keys(b).filter((h) => a[h] !== b[h]).sort();
}

/** The reference farm grown to `n` builders (cs10-koji-03 plus builder-001...). */
function withBuilders(n: number): FleetConfig {
  const fleet = reference();
  for (let i = 1; i < n; i++) {
    fleet.hosts.push({ name: `builder-${String(i).padStart(3, "0")}`, address: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, roles: ["builder"] });
  }
  return fleet;
}

describe("compileFleet", () => {
  it("gives one catalog per host, sorted by host, roles in canonical order", () => {
    const fleet = reference();
    fleet.hosts.reverse();
    fleet.hosts.find((h) => h.name === "cs10-koji-00")!.roles = ["kojira", "web", "hub"];
    expect(compileFleet(fleet).map((c) => `${c.host}:${c.roles.join(",")}`)).toEqual([
      "cs10-koji-00:hub,web,kojira",
      "cs10-koji-01:database",
      "cs10-koji-02:nfs",
      "cs10-koji-03:builder",
      "cs10-koji-04:lookaside",
    ]);
  });

  it("is deterministic: the same fleet gives the same digests", () => {
    expect(digests(compileFleet(reference()))).toEqual(digests(compileFleet(reference())));
  });

  it("emits only file/directory/symlink resources and path probes that match the wire schemas", () => {
    const ajv = new Ajv({ strict: false });
    const resourceOk = ajv.compile(ResourceSchema);
    const probeOk = ajv.compile(ProbeSchema);
    for (const c of compileFleet(withBuilders(3))) {
      const ids = c.resources.map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual([...ids].sort());
      for (const r of c.resources) {
        expect(resourceOk(r), JSON.stringify(resourceOk.errors)).toBe(true);
        expect(["file", "directory", "symlink"]).toContain(r.kind);
        expect(r.id).toBe(`${r.kind}:${String(r.props.path)}`);
        for (const dep of r.requires) expect(ids).toContain(dep);
      }
      for (const p of c.probes) {
        expect(probeOk(p), JSON.stringify(probeOk.errors)).toBe(true);
        expect(p.kind).toBe("path");
      }
    }
  });

  it("changing one builder's settings.maxjobs changes only that host's catalog", () => {
    const after = withBuilders(3);
    after.hosts.find((h) => h.name === "builder-001")!.settings = { maxjobs: 4 };
    expect(changedHosts(withBuilders(3), after)).toEqual(["builder-001"]);
  });

  it("changing a builder's hub-side capacity touches no kojid.conf", () => {
    const after = reference();
    after.hosts[3]!.settings = { capacity: 8 };
    expect(changedHosts(reference(), after)).toEqual([]);
  });

  it("adding a second builder changes only the new host and the NFS exports", () => {
    const after = reference();
    after.hosts.push({ name: "cs10-koji-05", address: "192.168.122.15", roles: ["builder"] });
    expect(changedHosts(reference(), after)).toEqual(["cs10-koji-02", "cs10-koji-05"]);
    const before = compileFleet(reference()).find((c) => c.host === "cs10-koji-02")!;
    const nfs = compileFleet(after).find((c) => c.host === "cs10-koji-02")!;
    const changed = nfs.resources.filter((r, i) => digestOf(r) !== digestOf(before.resources[i]));
    expect(changed.map((r) => r.id)).toEqual(["file:/etc/exports.d/koji.exports"]);
  });

  it("compiles a 50-builder fleet in under a second", () => {
    const fleet = withBuilders(50);
    const start = performance.now();
    const catalogs = compileFleet(fleet);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(catalogs).toHaveLength(54);
  });

  it("refuses a fleet that skipped validation", () => {
    const fleet = reference();
    fleet.hosts = fleet.hosts.filter((h) => !h.roles.includes("hub"));
    expect(() => compileFleet(fleet)).toThrow(/exactly one 'hub' host/);
  });
});

describe("certificate subjects", () => {
  const fleet = defaultsApplied(reference());
  const web = fleet.hosts[0]!;

  it("renders the web DN as mod_ssl reports it (RFC 2253, most specific first)", () => {
    expect(rfc2253(webCertSubject(fleet, web))).toBe("CN=cs10-koji-00.mx-os,OU=kojiweb,O=mx-os-koji");
  });

  it("renders the same subject for openssl req -subj", () => {
    expect(opensslSubj(webCertSubject(fleet, web))).toBe("/O=mx-os-koji/OU=kojiweb/CN=cs10-koji-00.mx-os");
  });

  it("escapes RFC 2253 specials", () => {
    expect(rfc2253([["O", "#A, B+C"], ["CN", "x "]])).toBe("CN=x\\ ,O=\\#A\\, B\\+C");
  });
});
