// Seeded random valid Koji contents, for the property tests of the content plan
// (plan-property.test.ts) and of the offline plan (as-declared.test.ts).
import { loadFleet } from "../../controller/config/load-fleet.js";
import type { KojiContent } from "../../controller/config/koji-content-schema.js";
import { formatConfigError } from "../../shared/yaml-config.js";
import { prng } from "./prng.js";
import { SMALL_FLEET } from "./small-fleet.js";

/** `shared`: tags declare groups and packages of the same names (inheritance interplay), else each tag its own. */
export function randomContent(seed: number, shared: boolean): KojiContent {
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
  const r = loadFleet(`${SMALL_FLEET}koji:\n  content: ${JSON.stringify(content)}\n`, "fleet.yaml");
  if (!r.ok) throw new Error(`seed ${seed} is not valid: ${r.errors.map(formatConfigError).join("; ")}`);
  return content;
}
