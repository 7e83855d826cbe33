// The one owner of kf-desired: every catalog the controller publishes (a rollout's step, a
// retirement, a republish after enrollment) is sealed, signed and put here, under one lock, in
// order. The reconciler holds the same lock while it plans a revision, so no put lands between
// reading kf-desired's generations and handing the new catalogs to the rollout.
import type { Catalog } from "../../shared/protocol.js";
import type { Logger } from "../../shared/log.js";
import { iso, type Clock } from "../../shared/time.js";
import type { Signer } from "../../shared/signing.js";
import { createHmac, randomBytes, type KeyObject } from "node:crypto";
import { seal, type SealedValue } from "../../shared/sealed.js";
import type { SecretVault } from "../trust/secrets-vault.js";
import type { HostKeys } from "../trust/host-keys.js";
import type { ControllerBus } from "../nats/bus.js";
import type { FleetState } from "./state.js";
import { CatalogCodec, type EncodedCatalog } from "./catalog-codec.js";

/**
 * Each put waits for JetStream's ack, so this many are in flight: one at a time, a 1,000-host
 * step took 2.5 s (bench/README.md, controller-1000).
 */
const PUBLISH_CONCURRENCY = 32;

export interface PublishResult {
  published: string[];
  /** The first failure, if any. */
  error: unknown;
}

/** What the rollout driver needs of the publisher. */
export interface CatalogPublisher {
  publish(unsigned: readonly Catalog[]): Promise<PublishResult>;
}

/** Puts one catalog while the lock is held; throws what the put threw. */
export type PutCatalog = (unsigned: Catalog) => Promise<void>;

export interface PublisherDeps {
  bus: Pick<ControllerBus, "putCatalog" | "readDesired">;
  state: FleetState;
  signer: Signer;
  vault: SecretVault;
  hostKeys: HostKeys;
  log: Logger;
  clock: Clock;
}

export class Publisher implements CatalogPublisher {
  private lock: Promise<unknown> = Promise.resolve();
  /** Shared with the reconciler, which interns a compile's resources in it: signing reuses their texts. */
  readonly codec = new CatalogCodec();
  /**
   * The secrets each host's last catalog carried, put again as they were while the value and the
   * host's key stay the same: a sealing is an EC key pair and a key agreement, and the agent opens
   * a value it has opened before from its cache (agent/secrets.ts). A reader of the host's
   * catalog (the host, nats-server's operator) sees that a value did not change, nothing more.
   * Values are compared by an HMAC under a key of this process: none is kept in the clear.
   */
  private readonly sealed = new Map<string, ReadonlyMap<string, { mac: string; key: KeyObject; sealed: SealedValue }>>();
  private readonly macKey = randomBytes(32);

  constructor(private readonly d: PublisherDeps) {}

  /**
   * Reads the catalogs in force back from kf-desired into the fleet's state (a start, a
   * takeover), kept as a compile's are: equal resources one object. Parsed apart, 10,000 hosts'
   * catalogs took ~215 MB, over the unit's heap cap, and a restart ran out of memory. The
   * sharing pool (the JSON of every distinct resource) is garbage once this returns: held by a
   * closure of the caller's, it kept ~25 MB at 10,000 hosts for the daemon's life.
   */
  async readInForce(): Promise<void> {
    const adopt = this.codec.interner();
    await this.d.bus.readDesired((host, c) => {
      if (!c) return void this.d.state.desired.delete(host);
      adopt(c);
      this.d.state.desired.set(host, c);
    });
  }

  /** Runs `fn` alone among the writers of kf-desired; its puts go through `put`. */
  exclusive<T>(fn: (put: PutCatalog) => Promise<T>): Promise<T> {
    const section = async (): Promise<T> => {
      let held = true;
      try {
        return await fn((c) => (held ? this.put(c) : Promise.reject(new Error(`catalog of ${c.host} put after the publisher's lock was released`))));
      } finally {
        held = false;
      }
    };
    const run = this.lock.then(section, section);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Publishes these catalogs, PUBLISH_CONCURRENCY at a time, in order with everything else
   * (one lock for the batch). A failed put leaves its host out of `published`; the others go on.
   */
  publish(unsigned: readonly Catalog[]): Promise<PublishResult> {
    return this.exclusive(async (put) => {
      const result: PublishResult = { published: [], error: null };
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let c = unsigned[next++]; c; c = unsigned[next++]) {
          try {
            await put(c);
            result.published.push(c.host);
          } catch (err) {
            result.error ??= err;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(PUBLISH_CONCURRENCY, unsigned.length) }, worker));
      return result;
    });
  }

  /**
   * Publishes a host's current content again as a new generation, e.g. after it enrolled:
   * its secrets can only be sealed once its key is known.
   */
  republish(host: string): Promise<void> {
    return this.exclusive(async (put) => {
      const current = this.d.state.desired.get(host);
      if (!current) return;
      const { signature: _s, sealedSecrets: _x, ...content } = current;
      await put({ ...content, generation: current.generation + 1, issuedAt: iso(this.d.clock()) });
    });
  }

  /** Seals the secrets the catalog references to the host's key and signs it (live plans stop here). */
  async seal(unsigned: Catalog): Promise<Catalog> {
    return (await this.encode(unsigned)).catalog;
  }

  private async encode(unsigned: Catalog): Promise<EncodedCatalog> {
    const { signer, vault, hostKeys, log } = this.d;
    const names = this.codec.secretNames(unsigned);
    const key = names.length > 0 ? await hostKeys.publicKey(unsigned.host) : null;
    if (names.length > 0 && !key) log.warn({ host: unsigned.host, secrets: names }, "host not enrolled yet: its secrets are sent once it enrolls");
    const values = key ? await Promise.all(names.map(async (name) => ({ name, value: await vault.ensure(name) }))) : [];
    // A catalog without secrets (or a host without a key yet, a retired one) keeps none.
    if (values.length === 0) this.sealed.delete(unsigned.host);
    const sealedSecrets = key ? this.sealedFor(unsigned.host, key, values) : undefined;
    return this.codec.signed({ ...unsigned, ...(sealedSecrets && { sealedSecrets }) }, signer);
  }

  /** `values` sealed to `key`, each as the host's last catalog had it when neither changed. */
  private sealedFor(host: string, key: KeyObject, values: readonly { name: string; value: string }[]): Record<string, SealedValue> {
    const before = this.sealed.get(host);
    const now = new Map(values.map(({ name, value }) => {
      const mac = createHmac("sha256", this.macKey).update(value).digest("base64");
      const kept = before?.get(name);
      return [name, kept && kept.mac === mac && kept.key === key ? kept : { mac, key, sealed: seal(value, key) }] as const;
    }));
    this.sealed.set(host, now);
    return Object.fromEntries([...now].map(([name, { sealed }]) => [name, sealed]));
  }

  /** Seals, signs and puts the bytes signed; kf-desired as the controller knows it follows. Only under the lock. */
  private async put(unsigned: Catalog): Promise<void> {
    const { catalog, bytes } = await this.encode(unsigned);
    await this.d.bus.putCatalog(catalog, bytes);
    this.d.state.desired.set(catalog.host, catalog);
  }
}
