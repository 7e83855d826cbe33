// `path` probe: healthy when the path exists under the root (with the given type, if any).
// lstat, not stat: a symlink is reported as a symlink, whatever it points at.
import { Type, type Static } from "@sinclair/typebox";
import { resolveUnderRoot } from "../providers/files.js";
import { AbsolutePath } from "../kinds/common.js";
import type { ProbeKind } from "./index.js";

export const PathProbeSchema = Type.Object(
  {
    path: AbsolutePath,
    type: Type.Optional(Type.Union([Type.Literal("file"), Type.Literal("directory"), Type.Literal("symlink")])),
  },
  { additionalProperties: false },
);
export type PathProbeProps = Static<typeof PathProbeSchema>;

export const pathProbe: ProbeKind<PathProbeProps> = {
  name: "path",
  schema: PathProbeSchema,
  appliesInSandbox: true,
  async check(props, ctx) {
    const stat = await ctx.files.lstat(resolveUnderRoot(ctx.root, props.path));
    if (!stat) return { healthy: false, output: `${props.path}: absent` };
    const found = stat.type === "other" ? "special file" : stat.type;
    if (props.type !== undefined && stat.type !== props.type) {
      return { healthy: false, output: `${props.path}: found a ${found}, expected a ${props.type}` };
    }
    return { healthy: true, output: `${props.path}: ${found} present` };
  },
};
