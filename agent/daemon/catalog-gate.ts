// Which catalogs this agent takes: the one place that decides, for the desired catalog from
// NATS and for a plan's candidate alike. Order matters: nothing in a catalog is trusted before
// its signature verifies against the key pinned at enrollment; then it must name this host;
// and a desired catalog must be newer than the one in force, so a replayed older one is a
// security event.
import type { Catalog } from "../../shared/protocol.js";
import { decodeCatalog } from "../../shared/validate.js";
import type { Verifier } from "../../shared/signing.js";

/** What a catalog is checked against. */
export interface Trust {
  host: string;
  /** The key pinned at enrollment; none: every catalog is refused. */
  verifier: Verifier | null;
  /** Where the key is expected, to say so when none is pinned. */
  keyFile: string;
}

export type Admission =
  /** Newer than the catalog in force: converge it. */
  | { verdict: "take"; catalog: Catalog }
  /** The catalog in force, again: nothing to apply, and a refusal before it no longer stands. */
  | { verdict: "in-force"; catalog: Catalog }
  | { verdict: "refuse"; event: "catalog-rejected" | "security"; reason: string; revision?: string };

/** Pure: why a decoded catalog may not be acted on (signature, host), or null. */
function refusal(catalog: Catalog, trust: Trust): string | null {
  if (!trust.verifier) return `no catalog-signing key is pinned (expected in ${trust.keyFile}); enroll this host`;
  const unsigned = trust.verifier.check(catalog);
  if (unsigned) return unsigned;
  return catalog.host === trust.host ? null : `catalog for host ${catalog.host} refused by ${trust.host}`;
}

/** Pure: what to do with a desired catalog, given the one in force. */
export function admit(data: Uint8Array, trust: Trust, inForce: Catalog | null): Admission {
  let catalog: Catalog;
  try {
    catalog = decodeCatalog(data);
  } catch (err) {
    return { verdict: "refuse", event: "catalog-rejected", reason: (err as Error).message };
  }
  const refused = refusal(catalog, trust);
  if (refused) return { verdict: "refuse", event: "security", reason: refused, revision: catalog.revision };
  const known = inForce?.generation ?? 0;
  if (catalog.generation === known && catalog.digest === inForce?.digest) return { verdict: "in-force", catalog };
  if (catalog.generation <= known) {
    return { verdict: "refuse", event: "security", reason: `catalog generation ${catalog.generation} is not newer than ${known} (a replay?)`, revision: catalog.revision };
  }
  return { verdict: "take", catalog };
}

/**
 * Pure: a plan's candidate catalog, checked as a desired one is except for its generation (a
 * plan applies nothing, so any generation will do). Throws why it is refused.
 */
export function admitCandidate(data: Uint8Array, trust: Trust): Catalog {
  const catalog = decodeCatalog(data);
  const refused = refusal(catalog, trust);
  if (refused) throw new Error(`candidate catalog refused: ${refused}`);
  return catalog;
}

/**
 * The gate with what it holds: the catalog taken and waiting for the loop, and a refusal that
 * still stands. A desired catalog is compared with the one in force: the catalog waiting, else
 * the one converged last. The catalog a converge is applying is not in force until it is
 * converged, so the same generation may come again meanwhile and is then taken: the controller
 * can publish a host's catalog twice at one generation with other content (a re-publish after
 * the host enrolled racing a rollout planned before it; test/koji-registration.test.ts).
 */
export class CatalogGate {
  private waiting: Catalog | null = null;
  private refused: string | null = null;

  constructor(
    private readonly host: string,
    private readonly keyFile: string,
    /** The catalog converged last (kept across restarts in the state dir). */
    private readonly converged: () => Catalog | null,
  ) {}

  get inForce(): Catalog | null {
    return this.waiting ?? this.converged();
  }

  /** Why the last catalog offered was refused, until a good one comes. */
  get refusal(): string | null {
    return this.refused;
  }

  /** What the next converge applies: the catalog waiting, else the one converged last, again. */
  next(): Catalog | null {
    const catalog = this.inForce;
    this.waiting = null;
    return catalog;
  }

  offer(data: Uint8Array, verifier: Verifier | null): Admission {
    const a = admit(data, this.trust(verifier), this.inForce);
    if (a.verdict === "take") this.waiting = a.catalog;
    this.refused = a.verdict === "refuse" ? a.reason : null;
    return a;
  }

  candidate(data: Uint8Array, verifier: Verifier | null): Catalog {
    return admitCandidate(data, this.trust(verifier));
  }

  private trust(verifier: Verifier | null): Trust {
    return { host: this.host, verifier, keyFile: this.keyFile };
  }
}
