// Users and their permissions:
//   createUser(name), enableUser(name), disableUser(name) (Koji cannot delete a user: absent or
//   dropped means disabled; it stays in the inventory so it is not reported unmanaged later)
//   grantPermission(user, perm[, create=True for a permission the hub does not have yet])
//   revokePermission(user, perm)
// Users come first (owners, content generators and permissions need them); revocations and
// disabling come last. The admin and kojira users are fleet.yaml's: never reported unmanaged.
import { call, keys, type PlannedCall } from "./calls.js";
import { mapBy, type PlanContext } from "./context.js";
import { decide, type FamilyPlan } from "./decide.js";
import { changed, created, deleted, unmanagedLine } from "./lines.js";

/** koji.USER_STATUS */
const NORMAL = 0;

export function planUsers(ctx: PlanContext): FamilyPlan<PlannedCall> {
  const have = mapBy(ctx.observed.users, (u) => u.name);
  const forward: PlannedCall[] = [];
  const reverse: PlannedCall[] = [];
  const known = new Set(ctx.desired.known.users);
  for (const d of decide(ctx.desired.users, { seen: have, key: keys.user, owned: ctx.owned, known, same: (_w, h) => h.status === NORMAL })) {
    const path = `user ${d.name}`;
    if (d.kind === "create") forward.push(call("createUser", [d.name], {}, [created(path)], { creates: [keys.user(d.name)] }));
    else if (d.kind === "update") forward.push(call("enableUser", [d.name], {}, [changed(path, [["status", "disabled", "enabled"]])]));
    else if (d.kind === "delete") {
      if (d.have.status === NORMAL) reverse.push(call("disableUser", [d.name], {}, [deleted(path, d.dropped, " (disabled: Koji cannot delete a user)")]));
    } else ctx.unmanaged.push(unmanagedLine(path));
  }
  return { forward, reverse };
}

export function planPermissions(ctx: PlanContext): FamilyPlan<PlannedCall> {
  const existing = new Set(ctx.observed.permissions.map((p) => p.name));
  const forward: PlannedCall[] = [];
  const reverse: PlannedCall[] = [];
  for (const u of ctx.desired.users) {
    if (u.state === "absent") continue;
    const have = new Map((ctx.observed.userPerms[u.name] ?? []).map((p) => [p, p]));
    for (const d of decide(u.permissions, { seen: have, key: (p) => keys.permission(u.name, p), owned: ctx.owned, same: () => true })) {
      const path = `user ${u.name} permission ${d.name}`;
      if (d.kind === "create") {
        const isNew = !existing.has(d.name);
        existing.add(d.name);
        forward.push(call("grantPermission", [u.name, d.name], isNew ? { create: true } : {}, [created(path) + (isNew ? " (new permission)" : "")], { creates: [keys.permission(u.name, d.name)] }));
      } else if (d.kind === "delete") reverse.push(call("revokePermission", [u.name, d.name], {}, [deleted(path, d.dropped)], { deletes: [keys.permission(u.name, d.name)] }));
      else if (d.kind === "unmanaged") ctx.unmanaged.push(unmanagedLine(path));
    }
  }
  return { forward, reverse };
}
