// The export's round trip as a property: seeded random hubs, built by hand the way an admin
// would (random hub calls, each refused or accepted with Koji 1.35's rules), export to YAML that
// loads and validates, and converging it with nothing owned plans no call, no conflict and
// reports nothing unmanaged. The hubs stay inside what an export can declare (see
// docs/koji-objects.md, "Adopting a hub"): owners, content generator users and the users of a
// tag's `perm` are never disabled, and parents come before children (no cycle).
import { describe, expect, it } from "vitest";
import { ContentHub, KojiError } from "../../../test/support/koji-content-hub.js";
import { roundTrip } from "../../../test/support/content-export.js";
import { prng } from "../../../test/support/prng.js";

const TAGS = ["t0", "t1", "t2", "t3", "t4"];
const OWNERS = ["kojiadmin", "u0", "u1"];
const GROUPS = ["build", "srpm-build"];
const PACKAGES = ["bash", "tar", "p1", "p2"];

function randomHub(seed: number): ContentHub {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const maybe = <T>(p: number, v: T): T | undefined => (rnd() < p ? v : undefined);
  const arches = () => ["x86_64", "aarch64", "ppc64le"].filter(() => rnd() < 0.5).join(" ");
  const hub = new ContentHub();
  const id = (t: string) => hub.tags.get(t)?.id ?? -1;
  const createTag = (t: string) => hub.call_createTag([t], { arches: arches(), ...(rnd() < 0.2 && { perm: pick(["admin", "tag"]) }), locked: rnd() < 0.2, maven_support: rnd() < 0.1 });
  const link = (i: number) => {
    const parents = TAGS.slice(0, i).filter((p) => hub.tags.has(p) && rnd() < 0.6);
    const priorities = [0, 5, 10, 15].sort(() => rnd() - 0.5);
    const data = parents.map((p) => ({ parent_id: id(p), priority: priorities.pop()!, maxdepth: maybe(0.3, int(3)) ?? null, intransitive: rnd() < 0.2, noconfig: rnd() < 0.2, pkg_filter: pick(["", "", "^p", "^(bash|tar)$"]) }));
    hub.call_setInheritanceData([TAGS[i], data]);
  };
  // Most tags exist and inherit before the rest is added, as on a farm; the random calls may add more.
  TAGS.filter(() => rnd() < 0.8).forEach(createTag);
  TAGS.forEach((t, i) => hub.tags.has(t) && i > 0 && link(i));
  const ops: Array<() => void> = [
    () => hub.call_createUser([pick(["u0", "u1", "x0", "x1"])]),
    () => hub.call_disableUser([pick(["x0", "x1"])]),
    () => hub.call_enableUser([pick(["x0", "x1"])]),
    () => hub.call_grantPermission([pick(["u0", "u1", "x0"]), pick(["build", "tag", "sign", "releng"])], { create: true }),
    () => createTag(pick(TAGS)),
    () => hub.call_editTag2([pick(TAGS)], { extra: { [pick(["k0", "rpm.macro.dist", "mock.new_chroot"])]: pick([0, "10", ".mx10", true, null, { a: [1, "b"] }]) } }),
    () => link(1 + int(TAGS.length - 1)),
    () => hub.call_createExternalRepo([pick(["r0", "r1", "r2"]), `https://example.org/${int(3)}/$arch`]),
    () => hub.call_addExternalRepoToTag([pick(TAGS), pick(["r0", "r1", "r2"]), pick([10, 20, 30])], { merge_mode: pick(["koji", "simple", "bare"]), ...(rnd() < 0.3 && { arches: "x86_64" }) }),
    () => hub.call_createBuildTarget([pick(["tg0", "tg1"]), pick(TAGS), pick(TAGS)]),
    () =>
      hub.call_groupListAdd([pick(TAGS), pick(GROUPS)], { block: rnd() < 0.15, force: true, ...(rnd() < 0.3 && { description: `d${int(2)}` }), ...(rnd() < 0.2 && { uservisible: false }), ...(rnd() < 0.2 && { display_name: "Build" }), ...(rnd() < 0.1 && { langonly: "en" }) }),
    () => hub.call_groupPackageListAdd([pick(TAGS), pick(GROUPS), pick(PACKAGES)], { block: rnd() < 0.2, force: true, ...(rnd() < 0.3 && { type: pick(["default", "optional"]) }), ...(rnd() < 0.2 && { basearchonly: rnd() < 0.5 }) }),
    () => hub.call_packageListAdd([pick(TAGS), pick(PACKAGES)], { owner: pick(OWNERS), block: rnd() < 0.2, force: true, ...(rnd() < 0.2 && { extra_arches: "noarch" }) }),
    () => hub.call_addChannel([pick(["c0", "c1"])], rnd() < 0.5 ? {} : { description: `c ${int(2)}` }),
    () => hub.call_disableChannel([pick(["c0", "default", "maven"])]),
    () => hub.call_grantCGAccess([pick(["u0", "u1"]), pick(["cg0", "cg1"])], { create: true }),
    () => hub.call_addBType([pick(["deb", "oci"])]),
  ];
  for (let n = 0; n < 80; n++) {
    try {
      ops[int(ops.length)]!();
    } catch (err) {
      // Koji refused it (a duplicate, a missing tag, a taken priority): the hub is unchanged.
      if (!(err instanceof KojiError)) throw err;
    }
  }
  return hub;
}

describe("export round trip", () => {
  it("100 random hubs: the export loads, and converging it with nothing owned plans nothing and reports nothing", () => {
    const seen = { lines: 0, addedToInherited: 0, blocked: 0, disabledUsers: 0 };
    for (let seed = 1; seed <= 100; seed++) {
      const observed = randomHub(seed).observe();
      const r = roundTrip(observed);
      expect(r.lines, `seed ${seed}\n${r.text}`).toEqual([]);
      seen.lines += r.text.split("\n").filter((l) => !l.startsWith("#")).length;
      for (const d of Object.values(observed.tagDetails)) {
        const own = (e: { tag_id: number }) => e.tag_id === d.tag.id;
        seen.addedToInherited += d.groups.filter((g) => !own(g) && g.packagelist.some(own)).length;
        seen.blocked += [...d.groups.filter(own), ...d.groups.flatMap((g) => g.packagelist.filter(own)), ...d.packages.filter(own)].filter((e) => e.blocked).length;
      }
      seen.disabledUsers += observed.users.filter((u) => u.status !== 0).length;
    }
    // The property says something only if the hubs held the hard cases.
    expect(seen.lines).toBeGreaterThan(5000);
    expect(seen.addedToInherited).toBeGreaterThan(20);
    expect(seen.blocked).toBeGreaterThan(70);
    expect(seen.disabledUsers).toBeGreaterThan(40);
  });
});
