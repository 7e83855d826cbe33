// `selinux-fcontext`: a local file-context rule (semanage fcontext) and the labels on disk
// that follow from it. The Koji tree needs `/mnt/koji(/.*)?` → public_content_rw_t so httpd
// can write it (docs/pitfalls.md#pitfall-5). Two drifts are caught: the rule missing or with
// another type (→ semanage, then restorecon), and files labelled wrong although the rule is
// right (a tree copied in with cp -a or rsync -X, a restore from backup: → restorecon only).
// Run it where the files live (the NFS server): NFS clients see nfs_t whatever the rules say.
import { Type, type Static } from "@sinclair/typebox";
import { resolveUnderRoot } from "../providers/files.js";
import { requireSelinux } from "../providers/selinux.js";
import { dryRunRelabel, pathOfPattern, readLocalRules, relabel, setRule, type FcontextRule, type Relabel } from "../providers/selinux-fcontext.js";
import { AbsolutePath } from "./common.js";
import type { Kind } from "./kind.js";

export const SelinuxFcontextPropsSchema = Type.Object(
  {
    /** A semanage file spec: an anchored regex over absolute paths; semanage rejects spaces. */
    pattern: Type.String({ pattern: "^/\\S*$", maxLength: 4096 }),
    type: Type.String({ pattern: "^[a-z][a-z0-9_]*_t$", maxLength: 128 }),
    /** What restorecon relabels; default: the pattern's literal prefix ("/mnt/koji(/.*)?" → "/mnt/koji"). */
    path: Type.Optional(AbsolutePath),
    /** tree (default): check every file under path each run; top: only path itself (huge trees). */
    labelCheck: Type.Optional(Type.Union([Type.Literal("tree"), Type.Literal("top")])),
  },
  { additionalProperties: false },
);
export type SelinuxFcontextProps = Static<typeof SelinuxFcontextPropsSchema>;

export interface SelinuxFcontextObserved {
  /** The local "all files" rule for the pattern. */
  rule: FcontextRule | null;
  pathExists: boolean;
  /** Dry-run result; null when not checked (rule about to change, or path missing). */
  mislabeled: Relabel[] | null;
}

function target(props: SelinuxFcontextProps): string {
  const p = props.path ?? pathOfPattern(props.pattern);
  if (p === null) throw new Error(`cannot derive the directory to relabel from pattern ${props.pattern}; set path`);
  return p;
}
const recursive = (p: SelinuxFcontextProps): boolean => (p.labelCheck ?? "tree") === "tree";
const ruleRight = (p: SelinuxFcontextProps, o: SelinuxFcontextObserved): boolean => o.rule?.type === p.type;

function lines(props: SelinuxFcontextProps, obs: SelinuxFcontextObserved): string[] {
  const path = target(props);
  const restorecon = `restorecon${recursive(props) ? " -R" : ""} ${path}`;
  if (!ruleRight(props, obs)) {
    const rule = obs.rule === null ? `fcontext ${props.pattern} → ${props.type} (add)` : `fcontext ${props.pattern} ${obs.rule.type ?? "<<None>>"} → ${props.type}`;
    return obs.pathExists ? [rule, `relabel ${path} (${restorecon})`] : [rule];
  }
  const bad = obs.mislabeled ?? [];
  if (bad.length === 0) return [];
  const first = bad[0]!;
  const noun = bad.length === 1 ? "path" : "paths";
  return [`${bad.length} ${noun} under ${path} mislabeled, first ${first.path}: ${first.from ?? "unlabeled"} → ${first.to} (${restorecon})`];
}

export const selinuxFcontextKind: Kind<SelinuxFcontextProps, SelinuxFcontextObserved> = {
  name: "selinux-fcontext",
  schema: SelinuxFcontextPropsSchema,
  appliesInSandbox: false,
  platforms: ["el", "fedora"],
  summary: (p) => `SELinux file context ${p.pattern} → ${p.type}`,

  async observe(props, ctx) {
    const t = { exec: ctx.exec, signal: ctx.signal };
    const path = target(props);
    await requireSelinux(t, "file contexts");
    // Only the "all files" rule is this resource's; a directory-only rule for the same
    // pattern is someone else's and is left alone.
    const rule = (await readLocalRules(t)).find((r) => r.pattern === props.pattern && r.fileType === "all files") ?? null;
    const pathExists = (await ctx.files.lstat(resolveUnderRoot(ctx.root, path))) !== null;
    const check = pathExists && rule?.type === props.type;
    return { rule, pathExists, mislabeled: check ? await dryRunRelabel(t, path, recursive(props)) : null };
  },

  diff: lines,

  async apply(props, observed, ctx) {
    const t = { exec: ctx.exec, signal: ctx.signal };
    if (!ruleRight(props, observed)) await setRule(t, observed.rule === null ? "add" : "modify", props.type, props.pattern);
    if (observed.pathExists && lines(props, observed).length > 0) await relabel(t, target(props), recursive(props));
  },
};
