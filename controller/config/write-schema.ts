// Writes the JSON Schemas editors use, from the TypeBox schemas, so they cannot drift
// (write-schema.test.ts compares them): gitops/fleet.schema.json for fleet.yaml and
// gitops/koji-content.schema.json for the files koji.content.include names. Regenerate with:
//   npm run schema
import { realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TSchema } from "@sinclair/typebox";
import { FleetSchema } from "./fleet-schema.js";
import { KojiContentFileSchema } from "./koji-content-schema.js";

export const SCHEMA_ID = "https://koji-fleet.invalid/schemas/fleet.v1.schema.json";
export const CONTENT_SCHEMA_ID = "https://koji-fleet.invalid/schemas/koji-content.v1.schema.json";

/** A committed file's exact text: stable key order from the schema definition, 2-space indent, final newline. */
function schemaText(id: string, schema: TSchema): string {
  // TypeBox keeps its bookkeeping under symbol keys, which JSON.stringify drops.
  return `${JSON.stringify({ $schema: "http://json-schema.org/draft-07/schema#", $id: id, ...schema }, null, 2)}\n`;
}

export const fleetJsonSchemaText = (): string => schemaText(SCHEMA_ID, FleetSchema);
export const kojiContentJsonSchemaText = (): string => schemaText(CONTENT_SCHEMA_ID, KojiContentFileSchema);

/** File name in gitops/ → its text. */
export const SCHEMA_FILES: Readonly<Record<string, () => string>> = {
  "fleet.schema.json": fleetJsonSchemaText,
  "koji-content.schema.json": kojiContentJsonSchemaText,
};

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (invokedDirectly()) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write("usage: node write-schema.js DIR (writes fleet.schema.json and koji-content.schema.json into DIR)\n");
    process.exit(2);
  }
  for (const [name, text] of Object.entries(SCHEMA_FILES)) writeFileSync(join(dir, name), text());
}
