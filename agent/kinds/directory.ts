// `directory`: one directory's existence, mode and ownership.
// Parents follow the same rule as for files (see requireParent): on a real host a missing
// parent is an error naming it; in sandbox mode, where the root stands in for the OS, missing
// parents are created with mode 0755 and the diff line names them. Removal (ensure: absent) only of an empty
// directory: nothing here deletes recursively.
import * as path from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { resolveUnderRoot, type FileStat } from "../providers/files.js";
import { AbsolutePath, Ensure, Mode, Principal, attributeChanges, describeType, wrongTypeError, desiredOwnership, fixAttributes, parseMode, requireParent, type Ownership } from "./common.js";
import type { Kind } from "./kind.js";

export const DirectoryPropsSchema = Type.Object(
  {
    path: AbsolutePath,
    mode: Type.Optional(Mode),
    owner: Type.Optional(Principal),
    group: Type.Optional(Principal),
    ensure: Type.Optional(Ensure),
  },
  { additionalProperties: false },
);
export type DirectoryProps = Static<typeof DirectoryPropsSchema>;

export interface DirectoryObserved {
  stat: FileStat | null;
  /** Catalog paths of missing ancestors, outermost first. */
  missingParents: string[];
  want: Ownership;
}

const DEFAULT_MODE = "0755";
const PARENT_MODE = 0o755;

async function findMissingParents(catalogPath: string, root: string, lstat: (p: string) => Promise<FileStat | null>): Promise<string[]> {
  const missing: string[] = [];
  for (let dir = path.posix.dirname(catalogPath); dir !== "/"; dir = path.posix.dirname(dir)) {
    if (await lstat(resolveUnderRoot(root, dir))) break;
    missing.unshift(dir);
  }
  return missing;
}

function plan(props: DirectoryProps, obs: DirectoryObserved): { lines: string[]; action: "none" | "create" | "remove" | "attributes" | "refuse" } {
  const { stat } = obs;
  if (props.ensure === "absent") {
    return stat?.type === "directory" ? { lines: ["present → absent"], action: "remove" } : { lines: [], action: "none" };
  }
  if (!stat) {
    const parents = obs.missingParents.length > 0 ? ` (creating missing parents ${obs.missingParents.join(", ")} with mode 0755)` : "";
    return { lines: [`absent → present${parents}`], action: "create" };
  }
  if (stat.type !== "directory") return { lines: [`${describeType(stat)} → directory`], action: "refuse" };
  const lines = attributeChanges(stat, parseMode(props.mode ?? DEFAULT_MODE), obs.want);
  return { lines, action: lines.length > 0 ? "attributes" : "none" };
}

export const directoryKind: Kind<DirectoryProps, DirectoryObserved> = {
  name: "directory",
  schema: DirectoryPropsSchema,
  appliesInSandbox: true,
  managedPath: (props) => props.path,

  async observe(props, ctx) {
    const full = resolveUnderRoot(ctx.root, props.path);
    const stat = await ctx.files.lstat(full);
    const missingParents = stat || props.ensure === "absent" || !ctx.sandbox ? [] : await findMissingParents(props.path, ctx.root, (p) => ctx.files.lstat(p));
    return { stat, missingParents, want: props.ensure === "absent" ? {} : await desiredOwnership(props, ctx) };
  },

  diff: (props, observed) => plan(props, observed).lines,

  async apply(props, observed, ctx) {
    const full = resolveUnderRoot(ctx.root, props.path);
    const mode = parseMode(props.mode ?? DEFAULT_MODE);
    const { stat, want } = observed;
    switch (plan(props, observed).action) {
      case "none":
        return;
      case "refuse":
        throw wrongTypeError(props.path, stat!, "directory");
      case "remove":
        try {
          return await ctx.files.rmdir(full);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOTEMPTY") throw err;
          throw new Error(`${props.path} is not empty; refusing to remove it recursively`, { cause: err });
        }
      case "attributes":
        return fixAttributes(full, stat!, mode, want, ctx);
      case "create": {
        if (!ctx.sandbox) await requireParent(props.path, ctx);
        for (const parent of observed.missingParents) await ctx.files.mkdir(resolveUnderRoot(ctx.root, parent), { mode: PARENT_MODE });
        await ctx.files.mkdir(full, { mode, ...want });
      }
    }
  },
};
