// `group`: a local group (/etc/group) with an optional fixed gid, or its absence.
// Koji needs fixed ids where files cross machines: apache is 48 on every NFS client of
// /mnt/koji (docs/pitfalls.md#pitfall-7). A gid change is applied with groupmod -g; files keep
// their old numeric group (see docs/resources/group.md).
import { Type, type Static } from "@sinclair/typebox";
import { groupaddArgv, groupdelArgv, groupmodGidArgv, readAccounts, runShadow, type GroupEntry } from "../providers/shadow.js";
import { Ensure } from "./common.js";
import type { Kind } from "./kind.js";

/** shadow-utils' default name rule (lowercase, digits, _ and -, a trailing $ for Samba machines). */
export const AccountName = Type.String({ pattern: "^[a-z_][a-z0-9_-]{0,30}\\$?$" });
export const AccountId = Type.Integer({ minimum: 0, maximum: 4_294_967_294 });

export const GroupPropsSchema = Type.Object(
  {
    name: AccountName,
    gid: Type.Optional(AccountId),
    /** Allocate the gid from the system range (groupadd -r); only at creation. */
    system: Type.Optional(Type.Boolean()),
    ensure: Type.Optional(Ensure),
  },
  { additionalProperties: false },
);
export type GroupProps = Static<typeof GroupPropsSchema>;

export interface GroupObserved {
  group: GroupEntry | null;
  /** Another group that already has the wanted gid (groupadd/groupmod would refuse). */
  gidTakenBy: string | null;
}

function plan(props: GroupProps, obs: GroupObserved): { lines: string[]; action: "none" | "add" | "modify" | "delete" } {
  const { group } = obs;
  if (props.ensure === "absent") return group ? { lines: ["present → absent"], action: "delete" } : { lines: [], action: "none" };
  if (!group) return { lines: [`absent → present${props.gid !== undefined ? ` (gid ${props.gid})` : ""}`], action: "add" };
  if (props.gid !== undefined && group.gid !== props.gid) return { lines: [`gid ${group.gid} → ${props.gid}`], action: "modify" };
  return { lines: [], action: "none" };
}

export const groupKind: Kind<GroupProps, GroupObserved> = {
  name: "group",
  schema: GroupPropsSchema,
  appliesInSandbox: false,
  platforms: ["el", "fedora"],
  summary: (p) => (p.ensure === "absent" ? `no group ${p.name}` : `group ${p.name}${p.gid !== undefined ? ` (gid ${p.gid})` : ""}`),

  async observe(props, ctx) {
    const db = await readAccounts(ctx.files, ctx.root);
    const group = db.groups.find((g) => g.name === props.name) ?? null;
    const other = props.gid === undefined ? undefined : db.groups.find((g) => g.gid === props.gid && g.name !== props.name);
    return { group, gidTakenBy: other?.name ?? null };
  },

  diff: (props, observed) => plan(props, observed).lines,

  async apply(props, observed, ctx) {
    const t = { exec: ctx.exec, signal: ctx.signal };
    const { action } = plan(props, observed);
    if ((action === "add" || action === "modify") && observed.gidTakenBy !== null) {
      // Two names on one gid would make every file's group ambiguous; a human picks which wins.
      throw new Error(`gid ${props.gid} is already used by group ${observed.gidTakenBy}; refusing to create a duplicate gid`);
    }
    switch (action) {
      case "none":
        return;
      case "add":
        return runShadow(t, groupaddArgv(ctx.root, props.name, props));
      case "modify":
        return runShadow(t, groupmodGidArgv(ctx.root, props.name, props.gid!));
      case "delete":
        return runShadow(t, groupdelArgv(ctx.root, props.name));
    }
  },
};
