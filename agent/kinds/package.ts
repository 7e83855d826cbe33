// `package`: a SET of rpm packages (present, absent, or at an exact version) plus the repos
// and module streams they come from. One resource holds the whole catalog's packages so
// they resolve in one dnf transaction: one depsolve, one download, no half-installed role.
// observe asks rpm and dnf (through the dnf provider, which builds every argv); diff and
// apply share one pure plan, so noop reports exactly what a run does.
import { Type, type Static } from "@sinclair/typebox";
import { resolveUnderRoot } from "../providers/files.js";
import { compareEvr, dnfProvider, installSpec, parseEvr, renderRepoFile, repoFilePath, showInstalled, type Installed } from "../providers/dnf.js";
import { Ensure, requireParent } from "./common.js";
import type { Kind } from "./kind.js";

// Names become dnf/rpm arguments: no leading "-", so none can be taken for an option.
const RpmName = Type.String({ pattern: "^[A-Za-z0-9_+][A-Za-z0-9_.+-]*$", maxLength: 255 });
const RepoId = Type.String({ pattern: "^[A-Za-z0-9_][A-Za-z0-9_.:-]*$", maxLength: 100 });
const OneLine = Type.String({ pattern: "^[^\\r\\n]+$", maxLength: 4096 });

const PackageEntry = Type.Object(
  {
    name: RpmName,
    ensure: Type.Optional(Ensure),
    /** Exact "[epoch:]version[-release]"; parts left out match anything. */
    version: Type.Optional(Type.String({ pattern: "^([0-9]+:)?[A-Za-z0-9._+~^]+(-[A-Za-z0-9._+~^]+)?$", maxLength: 255 })),
  },
  { additionalProperties: false },
);
/** A repo some package or the OS defines (crb, epel): only switched on or off. */
const ToggledRepo = Type.Object({ id: RepoId, enabled: Type.Boolean() }, { additionalProperties: false });
/** A repo this resource defines: written to /etc/yum.repos.d/<id>.repo. */
const DefinedRepo = Type.Object(
  {
    id: RepoId,
    enabled: Type.Boolean(),
    baseurl: Type.String({ pattern: "^(https?|ftp|file)://\\S+$", maxLength: 4096 }),
    name: Type.Optional(OneLine),
    gpgcheck: Type.Optional(Type.Boolean()),
    gpgkey: Type.Optional(OneLine),
  },
  { additionalProperties: false },
);

export const PackagePropsSchema = Type.Object(
  {
    packages: Type.Array(PackageEntry, { maxItems: 4096 }),
    repos: Type.Optional(Type.Array(Type.Union([ToggledRepo, DefinedRepo]), { maxItems: 256 })),
    modules: Type.Optional(Type.Array(Type.Object({ name: RpmName, stream: RpmName }, { additionalProperties: false }), { maxItems: 256 })),
  },
  { additionalProperties: false },
);
export type PackageProps = Static<typeof PackagePropsSchema>;
type Defined = Static<typeof DefinedRepo>;

export interface PackageObserved {
  /** Installed instances by name (several for multilib/installonly); absent = not installed. */
  installed: Record<string, Installed[]>;
  /** Toggled repos as dnf lists them: enabled or not; absent = not defined on the host. */
  repos: Record<string, boolean>;
  /** Defined repos: the content of their .repo file, null when there is none. */
  repoFiles: Record<string, string | null>;
  /** Enabled module streams by module name. */
  modules: Record<string, string>;
}

/** What a run does, in apply order; `lines` is the diff. */
export interface PackagePlan {
  lines: string[];
  writeRepos: Defined[];
  enableRepos: string[];
  disableRepos: string[];
  resetModules: string[];
  enableModules: string[];
  install: string[];
  remove: string[];
}

const isDefined = (r: { id: string }): r is Defined => "baseurl" in r;

/** Props no schema can reject: a name twice, a version on an absent package. */
function check(props: PackageProps): void {
  const seen = new Set<string>();
  for (const p of props.packages) {
    if (seen.has(p.name)) throw new Error(`package ${p.name} is listed twice`);
    seen.add(p.name);
    if (p.ensure === "absent" && p.version !== undefined) throw new Error(`package ${p.name}: version given with ensure absent`);
  }
  const ids = (props.repos ?? []).map((r) => r.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) throw new Error(`repo ${twice} is listed twice`);
}

function planRepos(props: PackageProps, observed: PackageObserved, plan: PackagePlan): void {
  for (const repo of props.repos ?? []) {
    if (isDefined(repo)) {
      const have = observed.repoFiles[repo.id];
      if (have === renderRepoFile(repo)) continue;
      plan.lines.push(`${have === null || have === undefined ? "add" : "update"} repo ${repo.id} (${repoFilePath(repo.id)})`);
      plan.writeRepos.push(repo);
      continue;
    }
    const have = observed.repos[repo.id];
    if (repo.enabled && have !== true) {
      plan.lines.push(`enable repo ${repo.id}${have === undefined ? " (not defined)" : ""}`);
      plan.enableRepos.push(repo.id);
    } else if (!repo.enabled && have === true) {
      // An undefined repo is as good as disabled: nothing to do.
      plan.lines.push(`disable repo ${repo.id}`);
      plan.disableRepos.push(repo.id);
    }
  }
}

function planModules(props: PackageProps, observed: PackageObserved, plan: PackagePlan): void {
  for (const { name, stream } of props.modules ?? []) {
    const have = observed.modules[name];
    if (have === stream) continue;
    // dnf refuses to enable a second stream of an enabled module: reset it first.
    if (have !== undefined) plan.resetModules.push(name);
    plan.lines.push(have === undefined ? `enable module ${name}:${stream}` : `switch module ${name} ${have} → ${stream}`);
    plan.enableModules.push(`${name}:${stream}`);
  }
}

function planPackages(props: PackageProps, observed: PackageObserved, plan: PackagePlan): void {
  for (const p of props.packages) {
    const have = observed.installed[p.name] ?? [];
    if (p.ensure === "absent") {
      if (have.length > 0) {
        plan.lines.push(`remove ${p.name}`);
        plan.remove.push(p.name);
      }
      continue;
    }
    if (have.length === 0) {
      plan.lines.push(p.version === undefined ? `install ${p.name}` : `install ${p.name} ${p.version}`);
      plan.install.push(installSpec(p.name, p.version));
      continue;
    }
    if (p.version === undefined) continue;
    const want = parseEvr(p.version);
    // Any matching instance will do: installonly packages (kernel) keep several versions.
    if (have.some((h) => compareEvr(want, h) === 0)) continue;
    const newest = have.reduce((a, b) => (compareEvr({ epoch: b.epoch, version: b.version, release: b.release }, a) > 0 ? b : a));
    const verb = compareEvr(want, newest) > 0 ? "upgrade" : "downgrade";
    plan.lines.push(`${verb} ${p.name} ${showInstalled(newest)} → ${p.version}`);
    // `dnf install name-version` upgrades or downgrades an installed package to that version.
    plan.install.push(installSpec(p.name, p.version));
  }
}

export function planPackage(props: PackageProps, observed: PackageObserved): PackagePlan {
  const plan: PackagePlan = { lines: [], writeRepos: [], enableRepos: [], disableRepos: [], resetModules: [], enableModules: [], install: [], remove: [] };
  planRepos(props, observed, plan);
  planModules(props, observed, plan);
  planPackages(props, observed, plan);
  return plan;
}

function summarize(props: PackageProps): string {
  const names = props.packages.map((p) => (p.ensure === "absent" ? `-${p.name}` : p.name));
  const parts = [
    names.length > 0 && `packages ${names.slice(0, 6).join(", ")}${names.length > 6 ? ` (+${names.length - 6})` : ""}`,
    props.repos?.length && `repos ${props.repos.map((r) => `${r.id}${r.enabled ? "" : " (off)"}`).join(", ")}`,
    props.modules?.length && `modules ${props.modules.map((m) => `${m.name}:${m.stream}`).join(", ")}`,
  ];
  return parts.filter(Boolean).join("; ") || "no packages";
}

export const packageKind: Kind<PackageProps, PackageObserved> = {
  name: "package",
  schema: PackagePropsSchema,
  appliesInSandbox: false,
  platforms: ["el", "fedora"],
  summary: summarize,

  async observe(props, ctx) {
    check(props);
    const dnf = dnfProvider(ctx);
    const repos = props.repos ?? [];
    const repoFiles: Record<string, string | null> = {};
    for (const repo of repos.filter(isDefined)) {
      repoFiles[repo.id] = (await ctx.files.readFile(resolveUnderRoot(ctx.root, repoFilePath(repo.id))))?.toString("utf8") ?? null;
    }
    // Each listing runs only when the props need it: a converged host costs one `rpm -q`.
    return {
      installed: Object.fromEntries(await dnf.installed(props.packages.map((p) => p.name))),
      repos: repos.some((r) => !isDefined(r)) ? Object.fromEntries(await dnf.repos()) : {},
      repoFiles,
      modules: props.modules?.length ? Object.fromEntries(await dnf.modules()) : {},
    };
  },

  diff: (props, observed) => planPackage(props, observed).lines,

  async apply(props, observed, ctx) {
    const plan = planPackage(props, observed);
    const dnf = dnfProvider(ctx);
    for (const repo of plan.writeRepos) {
      await requireParent(repoFilePath(repo.id), ctx);
      await ctx.files.writeFileAtomic(resolveUnderRoot(ctx.root, repoFilePath(repo.id)), renderRepoFile(repo), { mode: 0o644 });
    }
    await dnf.setRepos(plan.enableRepos, plan.disableRepos);
    await dnf.enableModules(plan.resetModules, plan.enableModules);
    // Installs, upgrades and downgrades are one transaction; removals a second one after it,
    // so a failed install leaves the packages it would have replaced in place. Not `dnf shell`:
    // measured with dnf 4.14, a script whose `install` names a missing package still runs the
    // rest of the transaction and exits 0; and dnf5 has no shell at all.
    if (plan.install.length > 0) await dnf.install(plan.install);
    if (plan.remove.length > 0) await dnf.remove(plan.remove);
  },
};
