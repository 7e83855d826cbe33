// Rules of Koji's content the schema cannot express: what an object refers to is declared (and
// not declared absent), inheritance has no cycle, priorities and names are unique where Koji
// requires it, the admin and kojira users stay usable. Each error points at file:line:col of the
// declaration at fault, in whichever file it is.
import type { ConfigError, PathSegment } from "../../shared/yaml-config.js";
import { errorAt, whereIs, type ContentIndex, type Declared } from "./koji-content-index.js";
import type { TagDecl } from "./koji-content-schema.js";

/** Permissions every Koji 1.35 hub has (schema.sql); a tag's `perm` may name these or a granted one. */
export const BUILTIN_PERMISSIONS: readonly string[] = [
  "admin", "appliance", "dist-repo", "host", "image", "image-import", "livecd", "maven-import",
  "repo", "sign", "tag", "target", "win-admin", "win-import", "draft-promoter",
];

const isAbsent = (v: { state?: string } | string): boolean => typeof v !== "string" && v.state === "absent";
const entryName = (v: { name: string } | string): string => (typeof v === "string" ? v : v.name);

export function checkKojiContent(index: ContentIndex, known: { adminUser: string; kojiraUser: string }): ConfigError[] {
  const errors: ConfigError[] = [];
  const at = (d: Declared<unknown>, sub: PathSegment[], message: string, atKey = false) => errors.push(errorAt(d, sub, message, atKey));

  /** Why `name` cannot be referred to, or null when it is a present declaration. */
  const refused = (map: ReadonlyMap<string, Declared<{ state?: string }>>, kind: string, name: string): string | null => {
    const d = map.get(name);
    if (!d) return `${kind} '${name}' is not declared`;
    return d.value.state === "absent" ? `${kind} '${name}' is declared absent at ${whereIs(d)}` : null;
  };
  const userRefused = (name: string): string | null =>
    name === known.adminUser || name === known.kojiraUser ? null : refused(index.users, "user", name);
  const required = (d: Declared<unknown>, sub: PathSegment[], keys: string[], value: object) => {
    for (const k of keys) if (!(k in value)) at(d, sub, `missing required key '${k}'`);
  };
  const onlyState = (d: Declared<{ state?: string }>, kind: string) => {
    const extra = Object.keys(d.value).filter((k) => k !== "state");
    if (d.value.state === "absent" && extra.length > 0) at(d, [extra[0]!], `an absent ${kind} takes no other key than state`, true);
  };

  for (const d of index.external_repos.values()) {
    onlyState(d, "external repo");
    if (d.value.state !== "absent") required(d, [], ["url"], d.value);
  }

  for (const d of index.targets.values()) {
    onlyState(d, "target");
    if (d.value.state === "absent") continue;
    required(d, [], ["build_tag", "dest_tag"], d.value);
    for (const key of ["build_tag", "dest_tag"] as const) {
      const tag = d.value[key];
      const why = tag === undefined ? null : refused(index.tags, "tag", tag);
      if (why) at(d, [key], why);
    }
  }

  const granted = new Set(BUILTIN_PERMISSIONS);
  for (const d of index.users.values()) {
    onlyState(d, "user");
    if ((d.name === known.adminUser || d.name === known.kojiraUser) && d.value.state === "absent") {
      at(d, ["state"], `'${d.name}' is koji.${d.name === known.adminUser ? "adminUser" : "kojiraUser"}: koji-fleet and the farm log in as it`);
    }
    const seen = new Map<string, number>();
    d.value.permissions?.forEach((p, i) => {
      const perm = entryName(p);
      if (seen.has(perm)) at(d, ["permissions", i], `permission '${perm}' is already listed at ${whereIs(d, ["permissions", seen.get(perm)!])}`);
      seen.set(perm, i);
      if (!isAbsent(p)) granted.add(perm);
      if (isAbsent(p) && perm === "admin" && d.name === known.adminUser) at(d, ["permissions", i], `koji.adminUser '${d.name}' must keep 'admin': koji-fleet converges the hub as it`);
    });
  }

  for (const d of index.channels.values()) onlyState(d, "channel");

  for (const d of index.content_generators.values()) {
    const seen = new Map<string, number>();
    d.value.users?.forEach((u, i) => {
      const name = entryName(u);
      if (seen.has(name)) at(d, ["users", i], `user '${name}' is already listed at ${whereIs(d, ["users", seen.get(name)!])}`);
      seen.set(name, i);
      const why = isAbsent(u) ? null : userRefused(name);
      if (why) at(d, ["users", i], why);
    });
  }

  for (const d of index.tags.values()) {
    onlyState(d, "tag");
    if (d.value.state === "absent") continue;
    if (d.value.perm && !granted.has(d.value.perm)) at(d, ["perm"], `permission '${d.value.perm}' is neither one of Koji's nor granted to a declared user`);
    checkTagEntries(d, index, refused, userRefused, at);
  }
  errors.push(...inheritanceCycles(index));
  return errors;
}

type At = (d: Declared<unknown>, sub: PathSegment[], message: string, atKey?: boolean) => void;
type Refused = (map: ReadonlyMap<string, Declared<{ state?: string }>>, kind: string, name: string) => string | null;

/** Unique keys within a list of a tag, and the same for a second key among present entries. */
function unique<T>(d: Declared<TagDecl>, list: readonly T[] | undefined, field: string, key: (e: T) => string | undefined, what: string, at: At, presentOnly = false) {
  const seen = new Map<string, number>();
  list?.forEach((e, i) => {
    const k = key(e);
    if (k === undefined || (presentOnly && isAbsent(e as { state?: string }))) return;
    const first = seen.get(k);
    if (first !== undefined) at(d, [field, i], `${what} ${k} is already used at ${whereIs(d, [field, first])}`);
    else seen.set(k, i);
  });
}

function checkTagEntries(d: Declared<TagDecl>, index: ContentIndex, refused: Refused, userRefused: (n: string) => string | null, at: At) {
  const tag = d.value;
  unique(d, tag.inheritance, "inheritance", (l) => l.parent, "parent", at);
  unique(d, tag.inheritance, "inheritance", (l) => (l.priority === undefined ? undefined : String(l.priority)), "priority", at, true);
  tag.inheritance?.forEach((l, i) => {
    if (l.state === "absent") return;
    if (l.priority === undefined) at(d, ["inheritance", i], "missing required key 'priority'");
    const why = l.parent === d.name ? `tag '${d.name}' cannot inherit from itself` : refused(index.tags, "tag", l.parent);
    if (why) at(d, ["inheritance", i, "parent"], why);
  });

  unique(d, tag.external_repos, "external_repos", (r) => r.repo, "external repo", at);
  unique(d, tag.external_repos, "external_repos", (r) => (r.priority === undefined ? undefined : String(r.priority)), "priority", at, true);
  tag.external_repos?.forEach((r, i) => {
    if (r.state === "absent") return;
    if (r.priority === undefined) at(d, ["external_repos", i], "missing required key 'priority'");
    const why = refused(index.external_repos, "external repo", r.repo);
    if (why) at(d, ["external_repos", i, "repo"], why);
  });

  unique(d, tag.groups, "groups", (g) => g.name, "group", at);
  tag.groups?.forEach((g, i) => {
    if (g.blocked && (g.packages?.length ?? 0) > 0) at(d, ["groups", i, "packages"], `group '${g.name}' is blocked: Koji lists no packages in a blocked group`, true);
    const seen = new Map<string, number>();
    g.packages?.forEach((p, j) => {
      const name = entryName(p);
      const first = seen.get(name);
      if (first !== undefined) at(d, ["groups", i, "packages", j], `package '${name}' is already in group '${g.name}' at ${whereIs(d, ["groups", i, "packages", first])}`);
      else seen.set(name, j);
    });
  });

  unique(d, tag.packages, "packages", (p) => p.name, "package", at);
  tag.packages?.forEach((p, i) => {
    if (p.state === "absent") return;
    if (p.owner === undefined) return at(d, ["packages", i], "missing required key 'owner'");
    const why = userRefused(p.owner);
    if (why) at(d, ["packages", i, "owner"], `${why} (package owners must be declared users, koji.adminUser or koji.kojiraUser)`);
  });
}

/** Each inheritance cycle among present tags and links, reported once at the link closing it. */
function inheritanceCycles(index: ContentIndex): ConfigError[] {
  const errors: ConfigError[] = [];
  const color = new Map<string, "grey" | "black">();
  const stack: string[] = [];
  const visit = (name: string) => {
    const d = index.tags.get(name);
    if (!d || d.value.state === "absent") return;
    color.set(name, "grey");
    stack.push(name);
    d.value.inheritance?.forEach((l, i) => {
      if (l.state === "absent" || l.parent === name) return;
      const c = color.get(l.parent);
      if (c === "grey") {
        const cycle = [...stack.slice(stack.indexOf(l.parent)), l.parent];
        errors.push(errorAt(d, ["inheritance", i, "parent"], `inheritance cycle: ${cycle.join(" → ")}`));
      } else if (c === undefined) visit(l.parent);
    });
    stack.pop();
    color.set(name, "black");
  };
  for (const name of [...index.tags.keys()].sort()) if (!color.has(name)) visit(name);
  return errors;
}
