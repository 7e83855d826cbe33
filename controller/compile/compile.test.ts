import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { digestOf } from "../../shared/canonical.js";
import { ProbeSchema, ResourceSchema, type CatalogContent } from "../../shared/protocol.js";
import { contentDigest } from "../fleet/publication.js";
import { defaultsApplied } from "../config/defaults.js";
import type { FleetConfig } from "../config/fleet-schema.js";
import { compileFleet, type CompileOptions } from "./compile.js";
import { opensslSubj, rfc2253, webCertSubject } from "./pki.js";
import { NAMES_ID } from "./resources.js";
import { BUILDER, compiled, DB, HUB, LOOKASIDE, NFS, reference, withDns, withExtraBuilders } from "../../test/support/compiled-fleet.js";

const digests = (catalogs: CatalogContent[]) => Object.fromEntries(catalogs.map((c) => [c.host, contentDigest(c)]));

/** Hosts whose catalog digest differs between two compilations (added hosts count as changed). */
function changedHosts(before: FleetConfig, after: FleetConfig, opts?: CompileOptions): string[] {
  const a = digests(compileFleet(before, opts));
  const b = digests(compileFleet(after, opts));
  return Object.keys(b).filter((h) => a[h] !== b[h]).sort();
}

/** Resource ids of `host` whose content differs between two compilations. */
function changedResources(before: FleetConfig, after: FleetConfig, host: string): string[] {
  const index = (f: FleetConfig) => new Map(compileFleet(f).find((c) => c.host === host)!.resources.map((r) => [r.id, digestOf(r)]));
  const [a, b] = [index(before), index(after)];
  return [...new Set([...a.keys(), ...b.keys()])].filter((id) => a.get(id) !== b.get(id)).sort();
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

  it("emits resources and path probes that match the wire schemas: unique sorted `kind:key` ids, sorted edges", () => {
    const ajv = new Ajv({ strict: false });
    const resourceOk = ajv.compile(ResourceSchema);
    const probeOk = ajv.compile(ProbeSchema);
    for (const c of compileFleet(withExtraBuilders(2))) {
      const ids = c.resources.map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual([...ids].sort());
      for (const r of c.resources) {
        expect(resourceOk(r), JSON.stringify(resourceOk.errors)).toBe(true);
        expect(r.id.startsWith(`${r.kind}:`), r.id).toBe(true);
        expect(r.requires).toEqual([...new Set(r.requires)].sort());
        expect(r.notifies).toEqual([...new Set(r.notifies)].sort());
      }
      for (const p of c.probes) expect(probeOk(p), JSON.stringify(probeOk.errors)).toBe(true);
    }
  });

  it("changing one builder's settings.maxjobs changes only that host's kojid.conf", () => {
    const after = withExtraBuilders(2);
    after.hosts.find((h) => h.name === "builder-001")!.settings = { maxjobs: 4 };
    expect(changedHosts(withExtraBuilders(2), after)).toEqual(["builder-001"]);
    expect(changedResources(withExtraBuilders(2), after, "builder-001")).toEqual(["file:/etc/kojid/kojid.conf"]);
  });

  it("changing a builder's hub-side capacity touches no host", () => {
    const after = reference();
    after.hosts[3]!.settings = { capacity: 8 };
    expect(changedHosts(reference(), after)).toEqual([]);
  });

  it("with DNS, adding a second builder changes only the new host and the NFS export (not the database: only hubs are its clients)", () => {
    const after = withDns();
    after.hosts.push({ name: "cs10-koji-05", address: "192.168.122.15", roles: ["builder"] });
    expect(changedHosts(withDns(), after)).toEqual([NFS, "cs10-koji-05"]);
    expect(changedResources(withDns(), after, NFS)).toEqual(["nfs-export:/mnt/koji"]);
    const clients = compiled(after).resource(NFS, "nfs-export:/mnt/koji").props.clients as { host: string; options: string[] }[];
    expect(clients.at(-1)).toEqual({ host: "192.168.122.15", options: ["ro", "sync", "no_subtree_check", "root_squash"] });
  });

  it("with /etc/hosts (the default), a new builder lists its peers and itself; no other catalog changes but the NFS export", () => {
    const after = reference();
    after.hosts.push({ name: "cs10-koji-05", address: "192.168.122.15", roles: ["builder"] });
    expect(changedHosts(reference(), after)).toEqual([NFS, "cs10-koji-05"]);
    expect(changedResources(reference(), after, NFS)).toEqual(["nfs-export:/mnt/koji"]);
    const names = (h: string) => (compiled(after).resource(h, NAMES_ID).props.entries as { names: string[] }[]).map((e) => e.names[1]);
    expect(names("cs10-koji-05")).toEqual([HUB, NFS, LOOKASIDE, "cs10-koji-05"]);
  });

  it("scales: 50 builders compile well under a second; with DNS one more changes exactly the new host and the NFS host", () => {
    const fleet = withExtraBuilders(49);
    compileFleet(fleet); // warm up the JIT, as a long-running controller is
    const start = performance.now();
    const catalogs = compileFleet(fleet);
    const ms = performance.now() - start;
    console.log(`compileFleet: ${catalogs.length} hosts (50 builders) in ${ms.toFixed(1)} ms`);
    expect(catalogs.filter((c) => c.roles.includes("builder"))).toHaveLength(50);
    expect(ms).toBeLessThan(1000);
    expect(changedHosts(withDns(fleet), withDns(withExtraBuilders(50)))).toEqual(["builder-050", NFS]);
  });

  it("opens a builder's registration gate only when the controller says it is registered", () => {
    const gate = (opts?: CompileOptions) => compiled(reference(), opts).resource(BUILDER, "gate:koji-host-registered").props;
    expect(gate()).toEqual({ name: "koji-host-registered", open: false, waitingFor: "koji add-host cs10-koji-03.mx-os (the controller registers this builder in Koji)" });
    expect(gate({ registeredBuilders: new Set([BUILDER]) }).open).toBe(true);
    expect(gate({ registeredBuilders: new Set(["cs10-koji-03.mx-os"]) }).open).toBe(true);
    expect(changedHosts(reference(), reference(), { registeredBuilders: new Set(["nobody"]) })).toEqual([]);
  });

  it("opens kojira's permission gate only when the controller says kojira has repo; kojira.service requires it", () => {
    const c = (opts?: CompileOptions) => compiled(reference(), opts);
    expect(c().resource(HUB, "gate:kojira-permitted").props).toEqual({ name: "kojira-permitted", open: false, waitingFor: "koji grant-permission repo kojira (the controller gives kojira its permission in Koji)" });
    expect(c({ kojiraPermitted: true }).resource(HUB, "gate:kojira-permitted").props.open).toBe(true);
    expect(c().resource(HUB, "service:kojira.service").requires).toContain("gate:kojira-permitted");
    const [closed, open] = [digests(compileFleet(reference())), digests(compileFleet(reference(), { kojiraPermitted: true }))];
    expect(Object.keys(open).filter((h) => open[h] !== closed[h])).toEqual([HUB]); // only the hub's catalog changes
  });

  it("gives hosts without a certificate the CA only when it is given to the compiler", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    expect(compiled().find(DB, "pem-bundle:/etc/pki/ca-trust/source/anchors/koji_ca_cert.crt")).toBeUndefined();
    const c = compiled(reference(), { caCertPem: pem });
    expect(c.resource(DB, "file:/etc/pki/koji/koji_ca_cert.crt").props).toMatchObject({ content: pem, mode: "0644" });
    expect(c.resource(DB, "pem-bundle:/etc/pki/ca-trust/source/anchors/koji_ca_cert.crt").requires).toContain("file:/etc/pki/koji/koji_ca_cert.crt");
    // Hosts with certificates keep getting the CA from them, not from a second writer.
    expect(c.find(BUILDER, "file:/etc/pki/koji/koji_ca_cert.crt")).toBeUndefined();
    expect(() => compileFleet(reference(), { caCertPem: "junk" })).toThrow(/not a PEM certificate/);
  });

  it("by default /etc/hosts lists the host itself and the hosts it connects to by name (FQDN and short name → address)", () => {
    const c = compiled();
    const entry = (n: number) => ({ address: `192.168.122.1${n}`, names: [`cs10-koji-0${n}.mx-os`, `cs10-koji-0${n}`] });
    const names = (...hosts: number[]) => ({ id: NAMES_ID, kind: "hosts-entries", props: { entries: hosts.map(entry) }, requires: [], notifies: [] });
    const entriesOf = (h: string) => ({ host: h, names: c.resource(h, NAMES_ID) });
    expect(entriesOf(HUB)).toEqual({ host: HUB, names: names(0, 1, 2) }); // itself, DBHost, the NFS mount
    expect(entriesOf(DB)).toEqual({ host: DB, names: names(0, 1) }); // the hub of the client profile
    expect(entriesOf(NFS)).toEqual({ host: NFS, names: names(0, 2) });
    expect(entriesOf(BUILDER)).toEqual({ host: BUILDER, names: names(0, 2, 3, 4) }); // hub, NFS mount, itself, lookaside
    expect(entriesOf(LOOKASIDE)).toEqual({ host: LOOKASIDE, names: names(0, 4) });
  });

  it("the names come before what uses them: mounts and services require them, they need nothing (not even packages)", () => {
    const c = compiled();
    expect(c.resource(BUILDER, "mount:/mnt/koji").requires).toContain(NAMES_ID);
    expect(c.resource(BUILDER, "service:kojid.service").requires).toContain(NAMES_ID);
    expect(c.resource(HUB, "service:httpd.service").requires).toContain(NAMES_ID);
    for (const cat of c.catalogs) for (const r of cat.resources) if (r.kind === "mount" || r.kind === "service") expect(r.requires, `${cat.host} ${r.id}`).toContain(NAMES_ID);
  });

  it("with nameResolution dns the names are the one resource no host gets, and nothing waits for them", () => {
    const withNames = compiled();
    for (const cat of compiled(withDns()).catalogs) {
      const ids = new Set(cat.resources.map((r) => r.id));
      expect(withNames.host(cat.host).resources.map((r) => r.id).filter((id) => !ids.has(id)), cat.host).toEqual([NAMES_ID]);
      expect(cat.resources.filter((r) => r.requires.includes(NAMES_ID)).map((r) => r.id), cat.host).toEqual([]);
    }
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
