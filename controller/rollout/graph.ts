// Pure: which hosts must be healthy before a host gets a new catalog. Role dependencies are
// Koji's bring-up order (database, then hub, then web, kojira and builders: https://docs.pagure.org/koji/server_howto/); a host depends on the hosts holding the roles its
// own roles need, except itself.

export type RoleDependencies = Readonly<Record<string, readonly string[]>>;

/** Storage and database first, then the hub, then what talks to the hub; lookaside alone. */
export const KOJI_ROLE_DEPENDENCIES: RoleDependencies = {
  nfs: [],
  database: [],
  lookaside: [],
  hub: ["database", "nfs"],
  web: ["hub"],
  kojira: ["hub", "nfs"],
  builder: ["hub", "nfs"],
};

export class DependencyCycleError extends Error {
  override name = "DependencyCycleError";
  constructor(readonly cycle: readonly string[]) {
    super(`role dependency cycle: ${cycle.join(" → ")}`);
  }
}

/** Throws DependencyCycleError naming the cycle, if the role graph has one. */
export function checkRoleGraph(deps: RoleDependencies): void {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (role: string): void => {
    if (state.get(role) === "done") return;
    if (state.get(role) === "visiting") throw new DependencyCycleError([...stack.slice(stack.indexOf(role)), role]);
    state.set(role, "visiting");
    stack.push(role);
    for (const d of deps[role] ?? []) visit(d);
    stack.pop();
    state.set(role, "done");
  };
  for (const role of Object.keys(deps).sort()) visit(role);
}

export interface HostRoles {
  host: string;
  roles: readonly string[];
}

/** host → the hosts (and the role they hold) it waits for. */
export function hostDependencies(hosts: readonly HostRoles[], deps: RoleDependencies = KOJI_ROLE_DEPENDENCIES): Map<string, { host: string; role: string }[]> {
  // Linear in hosts × their dependencies: a step of a 1,000-host rollout computes this.
  const holders = new Map<string, string[]>();
  for (const h of hosts) for (const r of h.roles) (holders.get(r) ?? holders.set(r, []).get(r)!).push(h.host);
  const out = new Map<string, { host: string; role: string }[]>();
  for (const h of hosts) {
    const needed = new Set(h.roles.flatMap((r) => deps[r] ?? []));
    const waits: { host: string; role: string }[] = [];
    const seen = new Set<string>([h.host]);
    for (const role of [...needed].sort()) {
      for (const other of holders.get(role) ?? []) {
        if (seen.has(other)) continue;
        seen.add(other);
        waits.push({ host: other, role });
      }
    }
    out.set(h.host, waits);
  }
  return out;
}
