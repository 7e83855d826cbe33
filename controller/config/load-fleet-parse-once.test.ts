// A 10,000-host fleet.yaml takes ~0.5 s to parse: loading it from a revision must parse it (and
// each file its includes name) once, not once for the include list and again for the checks.
import { describe, expect, it, vi } from "vitest";
import { SMALL_FLEET } from "../../test/support/small-fleet.js";
import type { FleetFiles } from "./fleet-files.js";

/** The first line of every text the YAML parser was given: every parse, whoever asked for it. */
const parsed = vi.hoisted(() => [] as string[]);
vi.mock("yaml", async (actual) => {
  const real = await actual<typeof import("yaml")>();
  return {
    ...real,
    parseDocument: (...args: Parameters<typeof real.parseDocument>) => {
      parsed.push(String(args[0]).split("\n")[0]!);
      return real.parseDocument(...args);
    },
  };
});
const { loadFleetFrom } = await import("./load-fleet.js");

const FILES: Record<string, string> = {
  "fleet.yaml": `${SMALL_FLEET}koji:\n  content:\n    include: [koji/*.yaml]\n`,
  "koji/tags.yaml": "tags: { a: {} }\n",
  "koji/targets.yaml": "targets: { t: { build_tag: a, dest_tag: a } }\n",
};
const revision: FleetFiles = {
  list: async (dir) => Object.keys(FILES).filter((p) => p.startsWith(`${dir}/`)),
  read: async (p) => (p in FILES ? Buffer.from(FILES[p]!) : null),
};

describe("loadFleetFrom", () => {
  it("parses fleet.yaml and each included file once", async () => {
    parsed.length = 0;
    const result = await loadFleetFrom(revision, "fleet.yaml");
    expect(result.ok).toBe(true);
    expect(result.ok && Object.keys(result.fleet.koji?.content?.tags ?? {})).toEqual(["a"]);
    expect(parsed.sort()).toEqual([SMALL_FLEET.split("\n")[0], "tags: { a: {} }", "targets: { t: { build_tag: a, dest_tag: a } }"].sort());
  });

  it("reports an included file's YAML error at its own file:line:col", async () => {
    const bad: FleetFiles = { ...revision, read: async (p) => Buffer.from(p === "koji/tags.yaml" ? "tags: [a\n" : FILES[p]!) };
    const result = await loadFleetFrom(bad, "fleet.yaml");
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0]?.file).toBe("koji/tags.yaml");
  });
});
