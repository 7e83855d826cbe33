import { describe, expect, it } from "vitest";
import { compileFleet } from "../compile/compile.js";
import type { CatalogContent, Resource } from "../../shared/protocol.js";
import { DB, HUB, LOOKASIDE, NFS, reference } from "../../test/support/compiled-fleet.js";
import { healthNeutral } from "./health-neutral.js";

const at = (topdir: string) => {
  const fleet = reference();
  fleet.koji!.topdir = topdir;
  return new Map(compileFleet(fleet).map((c) => [c.host, c]));
};
const before = at("/mnt/koji");
const after = at("/mnt/koji-r1");
const CLIENT_PROFILE = "file:/etc/koji.conf.d/mx-os-koji.conf";

/** The host's catalog with one resource replaced. */
const edit = (c: CatalogContent, id: string, change: (r: Resource) => Resource): CatalogContent => ({ ...c, resources: c.resources.map((r) => (r.id === id ? change(r) : r)) });
const kindOf = (c: CatalogContent, kind: string) => c.resources.find((r) => r.kind === kind)!;

describe("health-neutral catalog changes (the next wave goes at once)", () => {
  it("a new topdir: the database and lookaside hosts only get a new client profile (neutral); the hub restarts httpd and the NFS host exports new directories (not)", () => {
    const verdicts = Object.fromEntries([...after].map(([host, c]) => [host, healthNeutral(before.get(host), c)]));
    expect(verdicts).toMatchObject({ [DB]: true, [LOOKASIDE]: true, [HUB]: false, [NFS]: false });
  });

  it("the client profile's text is neutral; its mode, a refresh it triggers, or a service, package or probe change is not", () => {
    const db = before.get(DB)!;
    const text = (r: Resource) => ({ ...r, props: { ...r.props, content: `${String(r.props["content"])}# more\n` } });
    expect(healthNeutral(db, edit(db, CLIENT_PROFILE, text))).toBe(true);
    expect(healthNeutral(db, edit(db, CLIENT_PROFILE, (r) => ({ ...text(r), props: { ...text(r).props, mode: "0600" } })))).toBe(false);
    const service = kindOf(db, "service").id;
    expect(healthNeutral(db, edit(db, CLIENT_PROFILE, (r) => ({ ...text(r), notifies: [service] })))).toBe(false);
    expect(healthNeutral(db, edit(db, service, (r) => ({ ...r, props: { ...r.props, enabled: false } })))).toBe(false);
    const pkg = kindOf(db, "package").id;
    expect(healthNeutral(db, edit(db, pkg, (r) => ({ ...r, props: { ...r.props, names: ["postgresql-server", "vim"] } })))).toBe(false);
    expect(healthNeutral(db, { ...edit(db, CLIENT_PROFILE, text), probes: db.probes.slice(1) })).toBe(false);
    expect(healthNeutral(db, { ...db, resources: db.resources.filter((r) => r.id !== CLIENT_PROFILE) })).toBe(false);
  });

  it("a host's first catalog and an unchanged one are not neutral changes", () => {
    expect(healthNeutral(undefined, before.get(DB)!)).toBe(false);
    expect(healthNeutral(before.get(DB), before.get(DB)!)).toBe(false);
  });
});
