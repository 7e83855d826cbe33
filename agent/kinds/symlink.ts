// `symlink`: a symbolic link at `path` pointing at `target` (stored literally, never resolved
// under the root: it is what the link will say on the real host). Replacement is atomic
// (temp link + rename), so readers never see the path missing. A regular file in the way
// is replaced; a directory is refused.
import { Type, type Static } from "@sinclair/typebox";
import { resolveUnderRoot, type FileStat } from "../providers/files.js";
import { AbsolutePath, Ensure, describeType, requireParent } from "./common.js";
import type { Kind } from "./kind.js";

export const SymlinkPropsSchema = Type.Object(
  {
    path: AbsolutePath,
    target: Type.String({ minLength: 1, maxLength: 4096 }),
    ensure: Type.Optional(Ensure),
  },
  { additionalProperties: false },
);
export type SymlinkProps = Static<typeof SymlinkPropsSchema>;

export interface SymlinkObserved {
  stat: FileStat | null;
  /** The live link's target, when `path` is a symlink. */
  target: string | null;
}

function plan(props: SymlinkProps, obs: SymlinkObserved): { lines: string[]; action: "none" | "link" | "remove" | "refuse" } {
  const { stat } = obs;
  if (props.ensure === "absent") {
    return stat?.type === "symlink" ? { lines: ["present → absent"], action: "remove" } : { lines: [], action: "none" };
  }
  if (!stat) return { lines: [`absent → present (→ ${props.target})`], action: "link" };
  if (stat.type === "symlink") {
    return obs.target === props.target ? { lines: [], action: "none" } : { lines: [`target ${obs.target} → ${props.target}`], action: "link" };
  }
  if (stat.type === "directory") return { lines: ["directory → symlink"], action: "refuse" };
  return { lines: [`${describeType(stat)} → symlink (→ ${props.target})`], action: "link" };
}

export const symlinkKind: Kind<SymlinkProps, SymlinkObserved> = {
  name: "symlink",
  schema: SymlinkPropsSchema,
  appliesInSandbox: true,
  managedPath: (props) => props.path,

  async observe(props, ctx) {
    const full = resolveUnderRoot(ctx.root, props.path);
    const stat = await ctx.files.lstat(full);
    return { stat, target: stat?.type === "symlink" ? await ctx.files.readlink(full) : null };
  },

  diff: (props, observed) => plan(props, observed).lines,

  async apply(props, observed, ctx) {
    const full = resolveUnderRoot(ctx.root, props.path);
    switch (plan(props, observed).action) {
      case "none":
        return;
      case "refuse":
        throw new Error(`${props.path} is a directory; refusing to replace it with a symlink`);
      case "remove":
        return ctx.files.unlink(full);
      case "link":
        if (!observed.stat) await requireParent(props.path, ctx);
        return ctx.files.symlink(props.target, full);
    }
  },
};
