// Channels, content generators, btypes: objects Koji can create but not delete.
//   addChannel(name, description=), editChannel(name, description=), enableChannel(name),
//   disableChannel(name)                      (absent or dropped: disabled)
//   grantCGAccess(user, cg[, create=True for a new content generator]), revokeCGAccess(user, cg)
//   addBType(name)                            (no call deletes a btype)
// Koji's own (schema.sql) channels and btypes, and the channels builders join through
// koji.builders, are never reported unmanaged.
import { call, keys, type PlannedCall } from "./calls.js";
import { mapBy, type PlanContext } from "./context.js";
import { decide, type FamilyPlan } from "./decide.js";
import { changed, created, deleted, unmanagedLine, type Diff } from "./lines.js";

export const BUILTIN_CHANNELS: readonly string[] = ["default", "createrepo", "maven", "livecd", "appliance", "vm", "image", "livemedia"];
export const BUILTIN_BTYPES: readonly string[] = ["rpm", "maven", "win", "image"];

export function planChannels(ctx: PlanContext): FamilyPlan<PlannedCall> {
  const have = mapBy(ctx.observed.channels, (c) => c.name);
  const known = new Set([...BUILTIN_CHANNELS, ...ctx.desired.known.channels]);
  const forward: PlannedCall[] = [];
  const reverse: PlannedCall[] = [];
  const same = (w: { description: string | null }, h: { description: string | null; enabled: boolean }) => h.enabled && w.description === h.description;
  for (const d of decide(ctx.desired.channels, { seen: have, key: keys.channel, owned: ctx.owned, known, same })) {
    const path = `channel ${d.name}`;
    if (d.kind === "create") {
      const description = d.want.description;
      forward.push(call("addChannel", [d.name], description === null ? {} : { description }, [created(path, description === null ? [] : [["description", description]])], { creates: [keys.channel(d.name)] }));
    } else if (d.kind === "update") {
      const diffs: Diff[] = [];
      if (!d.have.enabled) diffs.push(["enabled", false, true]);
      if (d.want.description !== d.have.description) diffs.push(["description", d.have.description, d.want.description]);
      const lines = [changed(path, diffs)];
      if (!d.have.enabled) forward.push(call("enableChannel", [d.name], {}, lines.splice(0)));
      if (d.want.description !== d.have.description) forward.push(call("editChannel", [d.name], { description: d.want.description }, lines));
    } else if (d.kind === "delete") {
      if (d.have.enabled) reverse.push(call("disableChannel", [d.name], {}, [deleted(path, d.dropped, " (disabled: Koji cannot delete a channel)")]));
    } else ctx.unmanaged.push(unmanagedLine(path));
  }
  return { forward, reverse };
}

export function planContentGenerators(ctx: PlanContext): FamilyPlan<PlannedCall> {
  const forward: PlannedCall[] = [];
  const reverse: PlannedCall[] = [];
  const observed = ctx.observed.contentGenerators;
  const declared = new Set(ctx.desired.contentGenerators.map((c) => c.name));
  const cgs = [...ctx.desired.contentGenerators, ...Object.keys(observed).filter((n) => !declared.has(n)).sort().map((name) => ({ name, users: [] }))];
  for (const cg of cgs) {
    let exists = cg.name in observed;
    const have = new Map((observed[cg.name]?.users ?? []).map((u) => [u, u]));
    const decisions = decide(cg.users, { seen: have, key: (u) => keys.cgUser(cg.name, u), owned: ctx.owned, same: () => true });
    const unmanaged = decisions.filter((d) => d.kind === "unmanaged").map((d) => d.name);
    if (!declared.has(cg.name) && unmanaged.length > 0) ctx.unmanaged.push(unmanagedLine(`content-generator ${cg.name}`, ` users=${unmanaged.join(",")}`));
    for (const d of decisions) {
      const path = `content-generator ${cg.name} user ${d.name}`;
      if (d.kind === "create") {
        forward.push(call("grantCGAccess", [d.name, cg.name], exists ? {} : { create: true }, [created(path)], { creates: [keys.cgUser(cg.name, d.name)] }));
        exists = true;
      } else if (d.kind === "delete") reverse.push(call("revokeCGAccess", [d.name, cg.name], {}, [deleted(path, d.dropped)], { deletes: [keys.cgUser(cg.name, d.name)] }));
      else if (d.kind === "unmanaged" && declared.has(cg.name)) ctx.unmanaged.push(unmanagedLine(path));
    }
  }
  return { forward, reverse };
}

export function planBTypes(ctx: PlanContext): FamilyPlan<PlannedCall> {
  const have = mapBy(ctx.observed.btypes, (b) => b.name);
  const want = ctx.desired.btypes.map((name) => ({ name, state: "present" as const }));
  const forward: PlannedCall[] = [];
  for (const d of decide(want, { seen: have, key: keys.btype, owned: ctx.owned, known: new Set(BUILTIN_BTYPES), same: () => true })) {
    if (d.kind === "create") forward.push(call("addBType", [d.name], {}, [created(`btype ${d.name}`)], { creates: [keys.btype(d.name)] }));
    else if (d.kind === "delete") ctx.unmanaged.push(unmanagedLine(`btype ${d.name}`, " (no longer declared; Koji cannot delete a btype)"));
    else if (d.kind === "unmanaged") ctx.unmanaged.push(unmanagedLine(`btype ${d.name}`));
  }
  return { forward, reverse: [] };
}
