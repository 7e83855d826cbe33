// Where the example desired-state repository (gitops/ of the source) is installed: the
// source tree, dist/ and the npm package have it at the package's top; the controller RPM
// puts it next to the bundle (/usr/lib/koji-fleet/gitops). The nearest one up from this file.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FleetError } from "../../shared/errors.js";

/** The files `koji-fleet init` copies from it. */
export const EXAMPLE_FILES = ["fleet.yaml", "fleet.schema.json", "koji-content.schema.json"] as const;

export function exampleDir(from: string = import.meta.url): string {
  for (let dir = dirname(fileURLToPath(from)); ; dir = dirname(dir)) {
    if (EXAMPLE_FILES.every((f) => existsSync(join(dir, "gitops", f)))) return join(dir, "gitops");
    if (dirname(dir) === dir) break;
  }
  throw new FleetError("KF_ERR_NOT_FOUND", "koji-fleet's example repository (gitops/) is not installed: the koji-fleet-controller package has it, or run koji-fleet from its source tree");
}
