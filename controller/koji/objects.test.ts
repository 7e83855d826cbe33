import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultsApplied } from "../config/defaults.js";
import { loadFleet } from "../config/load-fleet.js";
import { desiredKojiObjects, planKojiObjects, type DesiredBuilder, type DesiredKojiObjects, type ObservedHost, type ObservedKojiObjects } from "./objects.js";
import { XmlRpcDouble } from "../../shared/koji/xmlrpc-codec.js";

const B = "cs10-koji-03.mx-os";
const builder = (over: Partial<DesiredBuilder> = {}): DesiredBuilder => ({ name: B, arches: ["x86_64"], channels: ["default", "createrepo"], capacity: 2, enabled: true, ...over });
const host = (over: Partial<ObservedHost> = {}): ObservedHost => ({ id: 5, name: B, arches: "x86_64", capacity: 2, enabled: true, channels: ["default", "createrepo"], ...over });
const desired = (builders: DesiredBuilder[] = [builder()]): DesiredKojiObjects => ({ kojiraUser: "kojira", builders });
/** kojira with repo and the builder as desired: the converged farm. */
const observed = (over: Partial<ObservedKojiObjects> = {}): ObservedKojiObjects => ({
  users: { kojira: { id: 2, name: "kojira", usertype: 0 } },
  perms: { kojira: ["repo"] },
  hosts: { [B]: host() },
  ...over,
});

describe("planKojiObjects", () => {
  it.each<[string, DesiredKojiObjects, ObservedKojiObjects, string[]]>([
    ["everything as desired → nothing", desired(), observed(), []],
    ["kojira has repo already → nothing", desired([]), observed({ hosts: {} }), []],
    ["kojira missing → createUser then grantPermission repo", desired([]), observed({ users: { kojira: null }, perms: {}, hosts: {} }), ["createUser kojira", "grantPermission kojira repo"]],
    ["kojira without repo → grantPermission only", desired([]), observed({ perms: { kojira: ["regen-repo"] }, hosts: {} }), ["grantPermission kojira repo"]],
    ["builder missing → addHost then addHostToChannel createrepo", desired(), observed({ hosts: { [B]: null } }), [`addHost ${B} [x86_64]`, `addHostToChannel ${B} createrepo`]],
    ["builder never read counts as missing → addHost", desired(), observed({ hosts: {} }), [`addHost ${B} [x86_64]`, `addHostToChannel ${B} createrepo`]],
    [
      "builder missing with two arches and capacity 4 → addHost, editHost capacity, addHostToChannel",
      desired([builder({ arches: ["x86_64", "aarch64"], capacity: 4 })]),
      observed({ hosts: { [B]: null } }),
      [`addHost ${B} [x86_64 aarch64]`, `editHost ${B} capacity 2 → 4`, `addHostToChannel ${B} createrepo`],
    ],
    [
      "builder missing, channels [createrepo] only → addHost, addHostToChannel createrepo, removeHostFromChannel default",
      desired([builder({ channels: ["createrepo"] })]),
      observed({ hosts: { [B]: null } }),
      [`addHost ${B} [x86_64]`, `addHostToChannel ${B} createrepo`, `removeHostFromChannel ${B} default`],
    ],
    ["capacity differs → editHost only", desired([builder({ capacity: 4 })]), observed(), [`editHost ${B} capacity 2 → 4`]],
    ["capacity equal as float → nothing", desired([builder({ capacity: 4.5 })]), observed({ hosts: { [B]: host({ capacity: 4.5 }) } }), []],
    ["arches differ → editHost arches only", desired([builder({ arches: ["x86_64", "aarch64"] })]), observed(), [`editHost ${B} arches x86_64 → x86_64 aarch64`]],
    ["arches in another order → nothing", desired([builder({ arches: ["x86_64", "aarch64"] })]), observed({ hosts: { [B]: host({ arches: "aarch64 x86_64" }) } }), []],
    ["arches and capacity differ → one editHost with both", desired([builder({ arches: ["aarch64"], capacity: 3 })]), observed(), [`editHost ${B} arches x86_64 → aarch64, capacity 2 → 3`]],
    ["channel missing → addHostToChannel only", desired([builder({ channels: ["default", "createrepo", "image"] })]), observed(), [`addHostToChannel ${B} image`]],
    ["extra channel → removeHostFromChannel only", desired(), observed({ hosts: { [B]: host({ channels: ["default", "createrepo", "maven"] }) } }), [`removeHostFromChannel ${B} maven`]],
    ["host disabled by hand, still in git → enableHost", desired(), observed({ hosts: { [B]: host({ enabled: false }) } }), [`enableHost ${B}`]],
    ["builder desired disabled → disableHost", desired([builder({ enabled: false })]), observed(), [`disableHost ${B}`]],
    ["builder removed from git → disableHost", desired([]), observed(), [`disableHost ${B} (no longer in fleet.yaml)`]],
    ["builder removed from git, already disabled → nothing", desired([]), observed({ hosts: { [B]: host({ enabled: false }) } }), []],
    ["builder removed from git and gone from Koji → nothing", desired([]), observed({ hosts: { [B]: null } }), []],
  ])("%s", (_name, want, have, descriptions) => {
    expect(planKojiObjects(want, have).map((a) => a.description)).toEqual(descriptions);
  });

  it("actions carry the exact hub calls: kwargs for editHost and addHostToChannel, capacity as a double", () => {
    const actions = planKojiObjects(desired([builder({ capacity: 4 })]), observed({ users: { kojira: null }, perms: {}, hosts: { [B]: null } }));
    expect(actions.map(({ id, method, params }) => ({ id, method, params }))).toEqual([
      { id: "koji-user:kojira", method: "createUser", params: ["kojira"] },
      { id: "koji-user:kojira", method: "grantPermission", params: ["kojira", "repo"] },
      { id: `koji-host:${B}`, method: "addHost", params: [B, ["x86_64"]] },
      { id: `koji-host:${B}`, method: "editHost", params: [B, { capacity: new XmlRpcDouble(4), __starstar: true }] },
      { id: `koji-host:${B}`, method: "addHostToChannel", params: [B, "createrepo", { create: true, __starstar: true }] },
    ]);
  });

  it("the example fleet asks for kojira and one builder, by FQDN, with its per-host capacity", () => {
    const loaded = loadFleet(readFileSync(new URL("../../gitops/fleet.yaml", import.meta.url)), "fleet.yaml");
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    expect(desiredKojiObjects(defaultsApplied(loaded.fleet))).toEqual({
      kojiraUser: "kojira",
      builders: [{ name: B, arches: ["x86_64"], channels: ["default", "createrepo"], capacity: 4, enabled: true }],
    });
  });
});
