// Where kinds get secret values named by reference in a catalog (e.g. a database password).
// For now a root-only directory on the host; sealed delivery inside catalogs replaces it.
import type { KeyLike } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { canonicalJson } from "../shared/canonical.js";
import { unseal, type SealedValue } from "../shared/sealed.js";

export interface SecretSource {
  /** The secret's value; rejects with a message naming the secret when it is not available. */
  get(name: string): Promise<string>;
}

const SECRET_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;

export function directorySecrets(dir: string): SecretSource {
  return {
    async get(name) {
      if (!SECRET_NAME.test(name)) throw new Error(`invalid secret name ${JSON.stringify(name)}`);
      const file = join(dir, name);
      const st = await stat(file).catch(() => null);
      if (!st) throw new Error(`secret '${name}' is not available on this host (expected in ${file})`);
      if ((st.mode & 0o077) !== 0) throw new Error(`secret file ${file} must not be readable by group or others (mode ${(st.mode & 0o777).toString(8)})`);
      return (await readFile(file, "utf8")).replace(/\n$/, "");
    },
  };
}

/** For tests: secrets from a plain map. */
export function staticSecrets(values: Record<string, string>): SecretSource {
  return {
    async get(name) {
      const v = values[name];
      if (v === undefined) throw new Error(`secret '${name}' is not available on this host`);
      return v;
    },
  };
}

/**
 * Per key (a parsed one: a key that did not parse opens nothing), the values opened from the
 * catalog seen last, by their sealed text: the catalog in force is converged and probed again
 * and again, a new catalog carries the secrets it did not change as they were sealed
 * (controller/fleet/publisher.ts), and each unseal is a key agreement. Values the catalog no
 * longer carries are dropped at its next use.
 */
const opened = new WeakMap<object, Map<string, string>>();

function openedWith(privateKey: KeyLike | null, sealed: Readonly<Record<string, SealedValue>>): Map<string, string> | null {
  if (privateKey === null || typeof privateKey !== "object") return null;
  const texts = new Set(Object.values(sealed).map(canonicalJson));
  const values = opened.get(privateKey) ?? new Map<string, string>();
  for (const text of values.keys()) if (!texts.has(text)) values.delete(text);
  opened.set(privateKey, values);
  return values;
}

/** Secrets the catalog carries, sealed to this host's key (its enrollment key: PEM, or parsed). */
export function sealedSecrets(sealed: Readonly<Record<string, SealedValue>>, privateKey: KeyLike | null): SecretSource {
  const cache = openedWith(privateKey, sealed);
  return {
    async get(name) {
      const value = sealed[name];
      if (!value) throw new Error(`secret '${name}' is not available on this host`);
      if (!privateKey) throw new Error(`secret '${name}' is sealed to this host's key, but the host has no key (not enrolled)`);
      try {
        // Kept per key: another key must fail as unseal() does.
        const text = canonicalJson(value);
        const known = cache?.get(text);
        if (known !== undefined) return known;
        const plain = unseal(value, privateKey);
        cache?.set(text, plain);
        return plain;
      } catch {
        throw new Error(`secret '${name}' cannot be unsealed with this host's key (sealed to another key?)`);
      }
    },
  };
}

/** The first source that has the secret; the error of the last one otherwise. */
export function firstOf(...sources: SecretSource[]): SecretSource {
  return {
    async get(name) {
      let last: unknown;
      for (const s of sources) {
        try {
          return await s.get(name);
        } catch (err) {
          last = err;
        }
      }
      throw last;
    },
  };
}
