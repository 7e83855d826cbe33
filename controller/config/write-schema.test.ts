import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { SCHEMA_FILES } from "./write-schema.js";

const gitops = (name: string) => readFileSync(new URL(`../../gitops/${name}`, import.meta.url), "utf8");

describe("gitops/fleet.schema.json and gitops/koji-content.schema.json", () => {
  it.each(Object.entries(SCHEMA_FILES))("gitops/%s is exactly what its schema generates (npm run schema)", (name, text) => {
    expect(gitops(name)).toBe(text());
  });

  it("accepts the reference fleet.yaml's koji.content as an included file (koji-content.schema.json)", () => {
    const validate = new Ajv({ strict: false }).compile(JSON.parse(gitops("koji-content.schema.json")));
    const content = (parse(gitops("fleet.yaml")) as { koji: { content: unknown } }).koji.content;
    expect(validate(content), JSON.stringify(validate.errors)).toBe(true);
  });

  it("accepts the reference fleet.yaml as a plain JSON Schema (what editors see)", () => {
    const validate = new Ajv({ strict: false }).compile(JSON.parse(gitops("fleet.schema.json")));
    expect(validate(parse(gitops("fleet.yaml"))), JSON.stringify(validate.errors)).toBe(true);
  });

  it("is referenced from the first line of fleet.yaml", () => {
    expect(gitops("fleet.yaml").split("\n")[0]).toBe("# yaml-language-server: $schema=./fleet.schema.json");
  });
});

type JsonSchema = { type?: string; items?: JsonSchema; properties?: Record<string, JsonSchema> };

/** Dotted key paths of a JSON Schema, `[]` for array items: `hosts[].settings.maxjobs`. */
function keyPaths(schema: JsonSchema, prefix: string): string[] {
  if (schema.type === "array" && schema.items) return keyPaths(schema.items, `${prefix}[]`);
  return Object.entries(schema.properties ?? {}).flatMap(([key, sub]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...keyPaths(sub, path)];
  });
}

describe("gitops/README.md", () => {
  it("documents every key of the schema", () => {
    const readme = gitops("README.md");
    const keys = keyPaths(JSON.parse(gitops("fleet.schema.json")), "");
    const missing = keys.filter((k) => !readme.includes(`\`${k}\``));
    expect(missing).toEqual([]);
  });
});

type ContentSchema = JsonSchema & { patternProperties?: Record<string, ContentSchema>; anyOf?: ContentSchema[] };

/** Like keyPaths, also through maps keyed by name (`*`) and the object form of name-or-object entries. */
function contentPaths(schema: ContentSchema, prefix: string): string[] {
  if (schema.type === "array" && schema.items) return contentPaths(schema.items, `${prefix}[]`);
  if (schema.anyOf) return schema.anyOf.flatMap((s) => contentPaths(s, prefix));
  const byName = Object.values(schema.patternProperties ?? {});
  if (byName.length > 0) return byName.flatMap((s) => contentPaths(s, `${prefix}.*`));
  return Object.entries(schema.properties ?? {}).flatMap(([key, sub]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...contentPaths(sub, path)];
  });
}

describe("docs/koji-objects.md", () => {
  it("documents every field of Koji's content (koji-content.schema.json), as `tags.*.inheritance[].priority`", () => {
    const doc = readFileSync(new URL("../../docs/koji-objects.md", import.meta.url), "utf8");
    const paths = contentPaths(JSON.parse(gitops("koji-content.schema.json")), "");
    expect(paths).toContain("tags.*.groups[].packages[].basearchonly");
    expect(paths.filter((p) => !doc.includes(`\`${p}\``))).toEqual([]);
  });
});
