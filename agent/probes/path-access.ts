// `path-access` probe: can this account read (or write) this path? `runuser -u apache --
// test -w /mnt/koji` asks the kernel as that user, so ownership, mode, ACLs, a read-only
// mount and NFS squashing all count. It runs in the agent's SELinux domain, not httpd's:
// an httpd_t denial (docs/pitfalls.md#pitfall-5) is not seen here. With `mounted`, `findmnt -T` must
// also find the path on a file system of its own, not on / (an NFS mount that did not
// come up leaves an empty, writable /mnt/koji behind).
import { Type, type Static } from "@sinclair/typebox";
import { AbsolutePath } from "../kinds/common.js";
import { parseFindmnt } from "../providers/mount.js";
import { resolveUnderRoot } from "../providers/files.js";
import type { ProbeKind } from "./index.js";
import { UserName, excerpt, healthy, unhealthy } from "./common.js";

export const PathAccessProbeSchema = Type.Object(
  {
    path: AbsolutePath,
    as: UserName,
    access: Type.Union([Type.Literal("read"), Type.Literal("write")]),
    mounted: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type PathAccessProbeProps = Static<typeof PathAccessProbeSchema>;

const TIMEOUT_MS = 10_000;

export const accessArgv = (user: string, access: "read" | "write", path: string): [string, ...string[]] => [
  "runuser", "-u", user, "--", "test", access === "write" ? "-w" : "-r", path,
];
export const findmntTargetArgv = (path: string): [string, ...string[]] => ["/usr/bin/findmnt", "-J", "-T", path, "-o", "TARGET,SOURCE,FSTYPE,OPTIONS"];

export const pathAccessProbe: ProbeKind<PathAccessProbeProps> = {
  name: "path-access",
  schema: PathAccessProbeSchema,
  async check(props, ctx) {
    const full = resolveUnderRoot(ctx.root, props.path);
    let where = "";
    if (props.mounted) {
      const m = await ctx.exec.run({ argv: findmntTargetArgv(full), cwd: "/", timeoutMs: TIMEOUT_MS, signal: ctx.signal });
      const mount = m.exitCode === 0 ? parseFindmnt(m.stdout) : null;
      if (!mount) return unhealthy(`${props.path}: findmnt -T found no file system: ${excerpt(m.stderr)}`);
      if (mount.target === "/") return unhealthy(`${props.path}: not mounted (on the root file system ${mount.source})`);
      const mode = mount.options.includes("ro") ? "ro" : "rw";
      where = ` on ${mount.source} (${mount.fstype}, ${mode}) at ${mount.target}`;
    }
    const r = await ctx.exec.run({ argv: accessArgv(props.as, props.access, full), cwd: "/", timeoutMs: TIMEOUT_MS, signal: ctx.signal });
    const verb = props.access === "write" ? "writable" : "readable";
    if (r.exitCode === 0 && !r.timedOut) return healthy(`${props.path}: ${verb} by ${props.as}${where}`);
    // test prints nothing; runuser explains itself on stderr (unknown user, not root).
    const why = r.timedOut ? "timed out (hung NFS?)" : r.stderr.trim() !== "" ? excerpt(r.stderr) : `test ${props.access === "write" ? "-w" : "-r"} exited ${r.exitCode}`;
    return unhealthy(`${props.path}: not ${verb} by ${props.as}${where}: ${why}`);
  },
};
