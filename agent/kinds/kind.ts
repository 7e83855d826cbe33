// The contract every resource kind implements (the "type" in Puppet's type/provider split):
// observe reads live state through providers, diff is pure, apply changes the machine only
// through providers. Noop = observe + diff. The engine re-observes after apply.
import type { TSchema } from "@sinclair/typebox";
import type { Logger } from "../../shared/log.js";
import type { Executor } from "../providers/executor.js";
import type { Files } from "../providers/files.js";
import type { HostFacts, OsFamily } from "../facts.js";
import type { SecretSource } from "../secrets.js";
import type { CertificateIssuer } from "../certificates.js";
import type { Clock } from "../../shared/time.js";
import type { PemCache } from "../pem-cache.js";

export interface KindContext {
  /** Every absolute path in props is resolved under this root ("/" in production). */
  readonly root: string;
  /** Sandbox: file-like kinds apply under `root`; kinds that manage the OS run as noop. */
  readonly sandbox: boolean;
  readonly files: Files;
  /** Signs this host's certificate requests (the controller's CA). */
  readonly certificates: CertificateIssuer;
  /** The agent's clock: certificate renewal is decided against it. */
  readonly clock: Clock;
  /** Secret values by name (database passwords…); never logged or reported. */
  readonly secrets: SecretSource;
  /** The managed OS (os-release); kinds pick their provider from it. */
  readonly facts: HostFacts;
  readonly exec: Executor;
  /** The agent's parsed keys and certificates (parsing one costs milliseconds). */
  readonly pem: PemCache;
  readonly signal: AbortSignal;
  readonly log: Logger;
}

export interface Kind<P = Record<string, unknown>, O = unknown> {
  readonly name: string;
  /** JSON Schema of `props`; the engine rejects a resource whose props do not match. */
  readonly schema: TSchema;
  /**
   * Whether the kind applies in sandbox mode (files under root). Kinds that manage the OS
   * (packages, services…) are neither observed nor applied there: observing would report
   * the machine running the sandbox, not the host in the catalog.
   */
  readonly appliesInSandbox: boolean;
  /** OS families with a provider for this kind; absent = any. Others get KF_ERR_UNSUPPORTED. */
  readonly platforms?: readonly OsFamily[];
  /** One line naming what the resource manages, for reports that do not observe it. */
  summary?(props: P): string;
  /** The filesystem path this resource owns, for the inventory and pruning. */
  managedPath?(props: P): string | undefined;
  observe(props: P, ctx: KindContext): Promise<O>;
  /** Pure. Human-readable differences ("mode 0644 → 0640"); empty when converged. */
  diff(props: P, observed: O): string[];
  apply(props: P, observed: O, ctx: KindContext): Promise<void>;
  /**
   * Pure: why the apply about to run from `observed` already does what a refresh would (a
   * service it starts), or null. The engine then skips the refresh a notification asked for,
   * with this line in its place.
   */
  refreshDoneByApply?(props: P, observed: O): string | null;
  /** Called when a resource that `notifies` this one changed. Returns what it did. */
  refresh?(props: P, ctx: KindContext): Promise<string[]>;
  /** Whether refresh does anything for these props (default true), so noop promises only real refreshes. */
  refreshes?(props: P): boolean;
  /** Seconds an apply may take when the resource sets no timeoutSeconds (default 120). */
  readonly defaultTimeoutSeconds?: number;
}

export type AnyKind = Kind<any, any>;
