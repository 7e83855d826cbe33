// The reference farm's five catalogs, pinned. A change to any role shows up here as a reviewable
// JSON diff. Regenerate after an intended change with:
//   UPDATE_GOLDEN=1 npx vitest run controller/compile/golden.test.ts
// and read the diff: these files are what the agents will do to the machines.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileFleet } from "./compile.js";
import { reference } from "../../test/support/compiled-fleet.js";

const dir = new URL("./golden/", import.meta.url);
/** A controller with a CA always passes its CRL; this stands in for it (the text is the CA's, not ours). */
const CRL = "-----BEGIN X509 CRL-----\n(the fleet CA's current CRL, from the controller)\n-----END X509 CRL-----\n";
const catalogs = compileFleet(reference(), { crlPem: CRL });
const render = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

describe("golden catalogs of the reference farm (gitops/fleet.yaml)", () => {
  it.each(catalogs.map((c) => [c.host, c] as const))("%s matches golden/%s.json", (host, catalog) => {
    const file = new URL(`${host}.json`, dir);
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, render(catalog));
    expect(existsSync(file), `golden/${host}.json is missing: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(render(catalog)).toBe(readFileSync(file, "utf8"));
  });

  it("has no golden file for a host the farm no longer has", () => {
    expect(readdirSync(dir).filter((f) => f.endsWith(".json")).sort()).toEqual(catalogs.map((c) => `${c.host}.json`));
  });
});
