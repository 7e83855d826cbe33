// Prints gitops/fleet.schema.json (the JSON Schema editors use for fleet.yaml) from FleetSchema,
// so the two cannot drift (write-schema.test.ts compares them). Regenerate with:
//   npm run schema
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FleetSchema } from "./fleet-schema.js";

export const SCHEMA_ID = "https://koji-fleet.invalid/schemas/fleet.v1.schema.json";

/** The committed file's exact text: stable key order from the schema definition, 2-space indent, final newline. */
export function fleetJsonSchemaText(): string {
  // TypeBox keeps its bookkeeping under symbol keys, which JSON.stringify drops.
  const schema = { $schema: "http://json-schema.org/draft-07/schema#", $id: SCHEMA_ID, ...FleetSchema };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (invokedDirectly()) process.stdout.write(fleetJsonSchemaText());
