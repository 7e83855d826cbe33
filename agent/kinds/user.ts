// `user`: a local account (/etc/passwd, /etc/group membership) or its absence.
// Koji cares about ids that cross machines (apache 48:48 on every /mnt/koji client) and
// memberships (kojibuilder in mock; docs/pitfalls.md#pitfall-7). Everything that differs on an
// existing account is fixed by one usermod. A uid change (`uid 1001 → 48`) is applied with
// usermod -u, which re-owns the home directory only: files elsewhere (/mnt/koji, /var/lib/…)
// keep the old number, see docs/resources/user.md.
import { Type, type Static } from "@sinclair/typebox";
import { readAccounts, runShadow, useraddArgv, userdelArgv, usermodArgv, type PasswdEntry, type UserFields } from "../providers/shadow.js";
import { Ensure, Principal } from "./common.js";
import { AccountId, AccountName } from "./group.js";
import type { Kind } from "./kind.js";

/** passwd(5) fields cannot hold ':' or a newline. */
const PasswdPath = Type.String({ pattern: "^/[^:\\n]*$", maxLength: 4096 });

export const UserPropsSchema = Type.Object(
  {
    name: AccountName,
    uid: Type.Optional(AccountId),
    /** Primary group, name or gid. Without it useradd makes a user private group (EL default). */
    group: Type.Optional(Principal),
    /** Supplementary groups, by name. */
    groups: Type.Optional(Type.Array(AccountName, { maxItems: 256, uniqueItems: true })),
    /** minimum: the account is in at least `groups`; exact: in those and no others. */
    groupsMembership: Type.Optional(Type.Union([Type.Literal("minimum"), Type.Literal("exact")])),
    home: Type.Optional(PasswdPath),
    shell: Type.Optional(PasswdPath),
    comment: Type.Optional(Type.String({ pattern: "^[^:\\n]*$", maxLength: 255 })),
    /** Account from the system range (useradd -r); only at creation. */
    system: Type.Optional(Type.Boolean()),
    /** useradd -m / -M; only at creation. Absent: login.defs decides (CREATE_HOME). */
    createHome: Type.Optional(Type.Boolean()),
    ensure: Type.Optional(Ensure),
  },
  { additionalProperties: false },
);
export type UserProps = Static<typeof UserPropsSchema>;

export interface UserObserved {
  user: PasswdEntry | null;
  /** Name of the account's primary group (null when its gid has no /etc/group line). */
  primaryGroup: string | null;
  /** The gid `props.group` names; null when no such group exists (yet). */
  wantGid: number | null;
  /** Groups whose member list names the account. */
  supplementary: string[];
  /** Another account that already has the wanted uid. */
  uidTakenBy: string | null;
}

interface Plan {
  lines: string[];
  action: "none" | "add" | "modify" | "delete";
  fields: UserFields;
}

function plan(props: UserProps, obs: UserObserved): Plan {
  const { user } = obs;
  if (props.ensure === "absent") return { lines: user ? ["present → absent"] : [], action: user ? "delete" : "none", fields: {} };
  if (!user) {
    // An empty list is simply not given: useradd adds no supplementary group by default.
    const groups = props.groups?.length ? props.groups : undefined;
    const f: UserFields = { uid: props.uid, group: props.group, groups, home: props.home, shell: props.shell, comment: props.comment };
    return { lines: ["absent → present"], action: "add", fields: f };
  }
  const lines: string[] = [];
  const f: UserFields = {};
  if (props.uid !== undefined && user.uid !== props.uid) {
    lines.push(`uid ${user.uid} → ${props.uid}`);
    f.uid = props.uid;
  }
  if (props.group !== undefined && user.gid !== obs.wantGid) {
    lines.push(`primary group ${obs.primaryGroup ?? user.gid} → ${props.group}`);
    f.group = props.group;
  }
  if (props.groups !== undefined) {
    const missing = props.groups.filter((g) => !obs.supplementary.includes(g));
    const extra = props.groupsMembership === "exact" ? obs.supplementary.filter((g) => !props.groups!.includes(g)) : [];
    if (missing.length > 0) lines.push(`supplementary groups: add ${missing.join(", ")}`);
    if (extra.length > 0) lines.push(`supplementary groups: remove ${extra.join(", ")}`);
    // minimum appends only what is missing (-a -G); exact replaces the whole list (-G).
    if (extra.length > 0) f.groups = props.groups;
    else if (missing.length > 0) Object.assign(f, { groups: missing, append: true });
  }
  for (const key of ["home", "shell", "comment"] as const) {
    const want = props[key];
    if (want !== undefined && user[key] !== want) {
      lines.push(key === "comment" ? `comment ${JSON.stringify(user.comment)} → ${JSON.stringify(want)}` : `${key} ${user[key]} → ${want}`);
      f[key] = want;
    }
  }
  return { lines, action: lines.length > 0 ? "modify" : "none", fields: f };
}

export const userKind: Kind<UserProps, UserObserved> = {
  name: "user",
  schema: UserPropsSchema,
  appliesInSandbox: false,
  platforms: ["el", "fedora"],
  summary: (p) => (p.ensure === "absent" ? `no user ${p.name}` : `user ${p.name}${p.uid !== undefined ? ` (uid ${p.uid})` : ""}`),

  async observe(props, ctx) {
    const db = await readAccounts(ctx.files, ctx.root);
    const user = db.users.find((u) => u.name === props.name) ?? null;
    const byName = props.group === undefined ? undefined : db.groups.find((g) => g.name === props.group);
    const wantGid = props.group === undefined ? null : /^[0-9]+$/.test(props.group) ? Number(props.group) : (byName?.gid ?? null);
    const other = props.uid === undefined ? undefined : db.users.find((u) => u.uid === props.uid && u.name !== props.name);
    return {
      user,
      primaryGroup: user ? (db.groups.find((g) => g.gid === user.gid)?.name ?? null) : null,
      wantGid,
      supplementary: db.groups.filter((g) => g.members.includes(props.name)).map((g) => g.name),
      uidTakenBy: other?.name ?? null,
    };
  },

  diff: (props, observed) => plan(props, observed).lines,

  async apply(props, observed, ctx) {
    const t = { exec: ctx.exec, signal: ctx.signal };
    const { action, fields } = plan(props, observed);
    if (fields.uid !== undefined && observed.uidTakenBy !== null) {
      // Two names on one uid share every file; a human decides which account keeps it.
      throw new Error(`uid ${fields.uid} is already used by user ${observed.uidTakenBy}; refusing to create a duplicate uid`);
    }
    switch (action) {
      case "none":
        return;
      case "add":
        return runShadow(t, useraddArgv(ctx.root, props.name, { ...fields, system: props.system, createHome: props.createHome }));
      case "modify":
        return runShadow(t, usermodArgv(ctx.root, props.name, fields));
      case "delete":
        return runShadow(t, userdelArgv(ctx.root, props.name));
    }
  },
};
