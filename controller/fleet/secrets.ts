// Secrets an operator brings in (`koji-fleet secret set`, POST /api/v1/secrets/NAME): the value
// is checked, stored in the vault, and every host whose published catalog uses the name gets a
// new generation sealed with it. Names come from the published catalogs, so only a name
// fleet.yaml makes a host use (koji.database.passwordSecret, koji.web.secret) can be set.
import type { Catalog } from "../../shared/protocol.js";
import type { SecretList, SecretSet, SecretView } from "../../shared/api/secrets.js";
import { secretRefs } from "../../shared/sealed.js";
import { secretValueProblem } from "../../shared/secret-value.js";
import { didYouMean } from "../../shared/did-you-mean.js";
import type { Logger } from "../../shared/log.js";
import type { SecretRecord, SecretVault } from "../trust/secrets-vault.js";

/** Secret name → the hosts whose catalog uses it, both sorted (pure). */
export function secretUsers(catalogs: Iterable<Catalog>): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const c of catalogs) for (const name of secretRefs([...c.resources, ...c.probes])) users.set(name, [...(users.get(name) ?? []), c.host]);
  for (const hosts of users.values()) hosts.sort();
  return new Map([...users].sort(([a], [b]) => a.localeCompare(b)));
}

/** What `secret list` shows: every name in use, and any other the vault keeps (pure). */
export function secretViews(users: ReadonlyMap<string, string[]>, stored: readonly SecretRecord[]): SecretView[] {
  const byName = new Map(stored.map((s) => [s.name, s]));
  const names = [...new Set([...users.keys(), ...byName.keys()])].sort();
  return names.map((name) => {
    const s = byName.get(name);
    return { name, origin: s?.origin ?? "none", since: s?.since ?? null, hosts: users.get(name) ?? [] };
  });
}

export type SecretSetResult = { ok: true; answer: SecretSet } | { ok: false; code: "KF_ERR_NOT_FOUND" | "KF_ERR_USAGE"; message: string };

export interface SecretControl {
  list(): Promise<SecretList>;
  /** `by`: who sets it (the admin client certificate's CN, else "api"). */
  set(name: string, value: string, by: string): Promise<SecretSetResult>;
}

export interface SecretControlDeps {
  vault: Pick<SecretVault, "set" | "list">;
  /** The catalogs published now (kf-desired). */
  catalogs(): Iterable<Catalog>;
  /** A host's current content again as a new generation: a secret whose value changed is sealed anew. */
  republish(host: string): Promise<void>;
  /** Records that a value was set: names and hosts only. */
  emit(message: string, data: { name: string; by: string; hosts: string[] }): void;
  log: Logger;
}

export function secretControl(d: SecretControlDeps): SecretControl {
  return {
    async list() {
      return { secrets: secretViews(secretUsers(d.catalogs()), await d.vault.list()) };
    },
    async set(name, value, by) {
      const users = secretUsers(d.catalogs());
      const hosts = users.get(name);
      if (!hosts) {
        const known = [...users.keys()];
        return { ok: false, code: "KF_ERR_NOT_FOUND", message: `no host's catalog uses a secret '${name}'${didYouMean(name, known)}; the fleet uses: ${known.join(", ") || "none yet (no catalog is published)"}` };
      }
      const problem = secretValueProblem(value);
      if (problem) return { ok: false, code: "KF_ERR_USAGE", message: `${name}: ${problem}` };
      const stored = await d.vault.set(name, value);
      const republished: string[] = [];
      await Promise.all(hosts.map(async (host) => {
        try {
          await d.republish(host);
          republished.push(host);
        } catch (err) {
          d.log.error({ err, host, secret: name }, "republish after a secret was set failed; the host gets the value with its next catalog");
        }
      }));
      republished.sort();
      d.emit(`secret ${name} set by ${by}; republished to ${republished.join(", ") || "no host"}`, { name, by, hosts: republished });
      return { ok: true, answer: { secret: { name, origin: stored.origin, since: stored.since, hosts }, republished } };
    },
  };
}
