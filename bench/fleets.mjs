// Generated fleets: the seed farm plus N extra hosts of one role.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PRODUCT } from "./lib.mjs";

export const SEED_HOSTS = ["cs10-koji-00", "cs10-koji-01", "cs10-koji-02", "cs10-koji-03", "cs10-koji-04"];

/** The seed farm of the product tree under test (KF_BENCH_DIST: a baseline's own fleet.yaml). */
export async function seedYaml() {
  return readFile(join(PRODUCT, "gitops/fleet.yaml"), "utf8");
}

/** The seed farm plus `extra` hosts named `<prefix>-NNNN` with `role`. Returns { yaml, hosts }. */
export async function generatedFleet(extra, { role = "lookaside", prefix = "lk" } = {}) {
  const names = Array.from({ length: extra }, (_, i) => `${prefix}-${String(i).padStart(4, "0")}`);
  const yaml = (await seedYaml()) + names.map((n, i) => `  - name: ${n}\n    address: 10.${100 + Math.floor(i / 60000)}.${Math.floor(i / 250) % 240}.${(i % 250) + 1}\n    roles: [${role}]\n`).join("");
  return { yaml, hosts: [...SEED_HOSTS, ...names], extra: names };
}
