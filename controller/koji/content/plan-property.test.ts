// The round trip, as a property: for seeded random valid contents, converging a hub from the
// previous content's converged state takes one pass (every call accepted by the simulated hub,
// with Koji's refusals), after which the plan against the hub (which now is the desired state)
// is empty. One limit: an entry a tag gets through inheritance is compared with what the parent
// holds when the plan is made; when a child declares a group or package its parent also declares
// and the same plan changes the parent's, the child's takes a second pass.
import { describe, expect, it } from "vitest";
import { loadFleet } from "../../config/load-fleet.js";
import type { KojiContent } from "../../config/koji-content-schema.js";
import { formatConfigError } from "../../../shared/yaml-config.js";
import { ContentHub, step } from "../../../test/support/koji-content-hub.js";
import { planLines } from "./plan.js";
import { prng } from "../../../test/support/prng.js";
import { SMALL_FLEET } from "../../../test/support/small-fleet.js";

const HOSTS = SMALL_FLEET;


/** `shared`: tags declare groups and packages of the same names (inheritance interplay), else each tag its own. */
function randomContent(seed: number, shared: boolean): KojiContent {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const some = <T>(xs: readonly T[], p = 0.5): T[] => xs.filter(() => rnd() < p);
  const shuffled = <T>(xs: readonly T[]): T[] => [...xs].sort(() => rnd() - 0.5);
  const users = some(["u0", "u1", "u2"], 0.7);
  const owners = ["kojiadmin", ...users];
  const repos = some(["r0", "r1", "r2", "r3"], 0.6);
  const tags = Array.from({ length: 1 + int(4) }, (_, i) => `t${i}`);
  const own = (t: string, names: string[]) => (shared ? names : names.map((n) => `${t}-${n}`));
  const content: KojiContent = {
    users: Object.fromEntries(users.map((u) => [u, { permissions: some(["build", "tag", "sign", "releng"]) }])),
    external_repos: Object.fromEntries(repos.map((r) => [r, { url: `https://example.org/${r}/${int(2)}/$arch/` }])),
    tags: Object.fromEntries(
      tags.map((t, i) => {
        const priorities = shuffled([0, 5, 10, 15, 20]);
        const repoPriorities = shuffled([10, 20, 30, 40, 50, 60]);
        return [
          t,
          {
            arches: some(["x86_64", "aarch64", "ppc64le"]),
            locked: rnd() < 0.2,
            ...(rnd() < 0.3 && { extra: { [`k${int(3)}`]: int(3) } }),
            inheritance: some(tags.slice(0, i)).map((parent) => ({ parent, priority: priorities.pop()!, ...(rnd() < 0.3 && { maxdepth: int(3) }), ...(rnd() < 0.2 && { pkg_filter: "^p" }) })),
            external_repos: shuffled(some(repos)).map((repo, k) => ({ repo, priority: repoPriorities[k]!, merge_mode: (["koji", "simple", "bare"] as const)[int(3)] })),
            groups: some(own(t, ["build", "srpm-build"]), 0.6).map((name) => ({
              name,
              ...(rnd() < 0.3 && { description: `d${int(2)}` }),
              packages: some(own(t, ["bash", "tar", "p1", "p2"])).map((p) => (rnd() < 0.7 ? p : { name: p, blocked: rnd() < 0.5, type: "default" as const })),
            })),
            packages: some(own(t, ["p1", "p2", "p3"])).map((name) => ({ name, owner: owners[int(owners.length)]!, blocked: rnd() < 0.2 })),
          },
        ];
      }),
    ),
    targets: rnd() < 0.7 ? { tgt: { build_tag: tags[int(tags.length)]!, dest_tag: tags[int(tags.length)]! } } : {},
    channels: Object.fromEntries(some(["c1", "c2"]).map((c) => [c, { description: rnd() < 0.5 ? null : `c ${int(2)}` }])),
    btypes: some(["deb", "oci"]),
  };
  // The generator aims at valid contents; the loader is the judge.
  const r = loadFleet(`${HOSTS}koji:\n  content: ${JSON.stringify(content)}\n`, "fleet.yaml");
  if (!r.ok) throw new Error(`seed ${seed} is not valid: ${r.errors.map(formatConfigError).join("; ")}`);
  return content;
}

/** Converges 200 random contents one after the other; returns how many needed a second pass. */
function roundTrips(shared: boolean): { calls: number; secondPass: number } {
  let hub = new ContentHub();
  let owned = new Set<string>();
  let calls = 0;
  let secondPass = 0;
  for (let seed = 1; seed <= 200; seed++) {
    if (seed % 50 === 0) (hub = new ContentHub()), (owned = new Set());
    const content = randomContent(seed, shared);
    let s = step(hub, content, owned);
    calls += s.plan.calls.length;
    const left = (p: typeof s.again) => planLines(p).filter((l) => !l.startsWith("?") && !l.startsWith("!"));
    if (left(s.again).length > 0 && shared) {
      secondPass++;
      s = step(hub, content, s.owned);
    }
    expect(left(s.again), `seed ${seed}`).toEqual([]);
    owned = s.owned;
  }
  return { calls, secondPass };
}

describe("round trip", () => {
  it("200 random contents, each tag with groups and packages of its own: each converges in one pass, then plans nothing", () => {
    const { calls } = roundTrips(false);
    // The property says something only if the plans did work.
    expect(calls).toBeGreaterThan(2000);
  });

  it("200 random contents where tags redeclare what their parents declare: at most two passes, mostly one", () => {
    const { calls, secondPass } = roundTrips(true);
    expect(calls).toBeGreaterThan(2000);
    expect(secondPass).toBeLessThan(40);
  });
});
