// The export's round trip, as `koji-fleet koji export` and a later converge do it: the hub's
// content → the YAML file → fleet.yaml including it, loaded and validated like any revision →
// the desired content → the plan against the same hub with nothing owned.
import type { RepoFiles } from "../../controller/config/fleet-files.js";
import { loadFleet } from "../../controller/config/load-fleet.js";
import { desiredContent } from "../../controller/koji/content/desired.js";
import { exportYaml } from "../../controller/koji/content/export-yaml.js";
import type { ObservedContent } from "../../controller/koji/content/observed.js";
import { planContent, planLines } from "../../controller/koji/content/plan.js";
import type { ContentPlan } from "../../controller/koji/content/calls.js";
import { formatConfigError } from "../../shared/yaml-config.js";
import { SMALL_FLEET } from "./small-fleet.js";

export const EXPORT_HEADER = { kojiraUser: "kojira", source: "https://hub.example/kojihub", at: "2025-06-01T12:00:00.000Z" };

/** A fleet.yaml (SMALL_FLEET: admin kojiadmin, kojira kojira) whose koji.content is `text` alone, included from koji/hub.yaml. */
export function loadExported(text: string): ReturnType<typeof loadFleet> {
  const repo: RepoFiles = { list: (dir) => (dir === "koji" ? ["koji/hub.yaml"] : []), read: (p) => (p === "koji/hub.yaml" ? Buffer.from(text) : null) };
  return loadFleet(`${SMALL_FLEET}koji:\n  content:\n    include: [koji/*.yaml]\n`, "fleet.yaml", repo);
}

export interface RoundTrip {
  readonly text: string;
  readonly plan: ContentPlan;
  /** Every line the plan prints: calls, conflicts, unmanaged objects. */
  readonly lines: string[];
}

export function roundTrip(observed: ObservedContent): RoundTrip {
  const text = exportYaml(observed, EXPORT_HEADER);
  const loaded = loadExported(text);
  if (!loaded.ok) throw new Error(`the export does not load:\n${loaded.errors.map(formatConfigError).join("\n")}\n${text}`);
  const plan = planContent(desiredContent(loaded.fleet), observed, new Set());
  return { text, plan, lines: planLines(plan) };
}
