import { describe, expect, it } from "vitest";
import { checkProps } from "../engine/props.js";
import { defaultKinds } from "./index.js";

describe("defaultKinds", () => {
  it("registers each kind under its own name", () => {
    for (const [name, kind] of defaultKinds) expect(kind.name).toBe(name);
    expect([...defaultKinds.keys()]).toEqual(expect.arrayContaining(["file", "directory", "symlink", "exec", "pem-bundle"]));
  });

  it("documents every kind it registers", async () => {
    const { readFileSync } = await import("node:fs");
    const index = readFileSync(new URL("../../docs/resources/README.md", import.meta.url), "utf8");
    for (const name of defaultKinds.keys()) {
      expect(index, `docs/resources/README.md lists ${name}`).toContain(`[${name}.md](${name}.md)`);
      expect(() => readFileSync(new URL(`../../docs/resources/${name}.md`, import.meta.url)), `docs/resources/${name}.md`).not.toThrow();
    }
  });

  it.each<[string, string, Record<string, unknown>, string | null]>([
    ["valid file props → accepted", "file", { path: "/etc/koji.conf", content: "x", mode: "0640", owner: "apache", group: "48" }, null],
    ["unknown prop → refused by name", "directory", { path: "/srv", recurse: true }, "invalid props: / must NOT have additional properties ('recurse')"],
    ["relative path → refused", "symlink", { path: "etc/x", target: "/y" }, 'invalid props: /path must match pattern "^/"'],
    ["valid exec with env → accepted", "exec", { argv: ["/usr/bin/true"], env: { PGHOST: "db" }, creates: "/x", returns: [0, 1] }, null],
    ["exec env name not a variable → refused", "exec", { argv: ["/usr/bin/true"], env: { "A-B": "1" } }, "invalid props: /env must NOT have additional properties ('A-B')"],
    ["empty argv → refused", "exec", { argv: [] }, "invalid props: /argv must NOT have fewer than 1 items"],
  ])("%s", (_name, kind, props, message) => {
    expect(checkProps(defaultKinds.get(kind)!.schema, props)).toBe(message);
  });
});
