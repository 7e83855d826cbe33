// The controller's encoding of catalogs, done once per distinct resource: at 10,000 hosts most
// resources are equal across hosts (a role's directories, packages, the client profile), so a
// compile's contents share one object per distinct resource or probe, whose canonical text is
// kept. A catalog's digest, its signature and its published text are then assembled from those
// texts instead of encoding every catalog again for each (docs/scaling.md).
import { CanonicalTexts, sha256Hex } from "../../shared/canonical.js";
import type { Catalog, CatalogContent } from "../../shared/protocol.js";
import { secretRefs } from "../../shared/sealed.js";
import type { Signer } from "../../shared/signing.js";

/** A signed catalog and its bytes as put in kf-desired (canonical JSON in UTF-8, its signature last). */
export interface EncodedCatalog {
  catalog: Catalog;
  bytes: Uint8Array;
}

export class CatalogCodec {
  private readonly texts = new CanonicalTexts();
  private readonly digests = new WeakMap<CatalogContent, string>();
  private readonly interned = new WeakSet<CatalogContent>();
  private readonly refs = new WeakMap<object, readonly string[]>();

  /**
   * Makes equal resources (and probes) of these contents one shared object, in place: the
   * contents are fresh from the compiler (or already interned, kept by its memo), and nothing
   * changes them afterwards.
   */
  intern(contents: readonly CatalogContent[]): void {
    const one = this.interner();
    for (const c of contents) one(c);
  }

  /**
   * intern() one content at a time, all sharing one pool: given to the compiler, each host's
   * duplicates are garbage as soon as the host is compiled (a 10,000-host compile's output,
   * before interning, is ~250 MB: a controller capped at 384 MB of heap, as it then was, ran out
   * holding it). `previous` gives a host's catalog in force: a resource (or probe) equal to the
   * one of the same id there becomes that object, so a change that leaves most of a host alone
   * (a setting every host reads) holds no second copy of it and encodes none of it.
   */
  interner(previous?: (host: string) => CatalogContent | undefined): (c: CatalogContent) => void {
    // Keyed by JSON.stringify, twice as fast as canonical JSON: the compiler builds equal resources
    // alike, and two equal ones written in another key order merely stay two objects. Only the
    // texts of shared resources are kept: a host's own (its certificate, its vhost) is encoded
    // again when signed, cheaper than keeping ~50 MB of them at 10,000 hosts.
    const pool = new Map<string, object>();
    const share = <T extends { id: string }>(items: T[], before: readonly T[] | undefined): void => {
      const inForce = before && before.length > 0 ? new Map(before.map((b) => [b.id, b])) : undefined;
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        if (this.texts.has(item)) continue;
        // Unchanged since the catalog in force: that object, shared with other hosts as it was.
        const old = inForce?.get(item.id);
        if (old !== undefined && sameJson(old, item)) {
          items[i] = old;
          continue;
        }
        const json = JSON.stringify(item);
        const same = pool.get(json) as T | undefined;
        if (same) {
          items[i] = same;
          this.texts.remember(same);
        } else pool.set(json, item);
      }
    };
    return (c) => {
      // Contents the compiler's memo kept were interned when they were compiled.
      if (this.interned.has(c)) return;
      const before = previous?.(c.host);
      share(c.resources, before?.resources);
      share(c.probes, before?.probes);
      this.interned.add(c);
    };
  }

  /** contentDigest (publication.ts), from the resources' kept texts; kept per content. */
  digest(c: CatalogContent): string {
    let d = this.digests.get(c);
    if (d === undefined) {
      d = `sha256:${sha256Hex(this.texts.encode({ host: c.host, roles: c.roles, resources: c.resources, probes: c.probes }))}`;
      this.digests.set(c, d);
    }
    return d;
  }

  /** secretRefs() of the catalog's resources and probes, kept per object: a shared one is scanned once. */
  secretNames(c: Pick<CatalogContent, "resources" | "probes">): string[] {
    const names = new Set<string>();
    for (const items of [c.resources, c.probes]) {
      for (const item of items) {
        let found = this.refs.get(item);
        if (!found) this.refs.set(item, (found = secretRefs([item])));
        for (const n of found) names.add(n);
      }
    }
    return [...names].sort();
  }

  /**
   * Signs the catalog (its `signature` member replaced) and gives the bytes to publish: the
   * text is encoded and converted to UTF-8 once, for the signature and the put alike.
   */
  signed(unsigned: Catalog, signer: Signer): EncodedCatalog {
    const { signature: _old, ...body } = unsigned;
    const signedBytes = Buffer.from(this.texts.encode(body));
    const signature = signer.signBytes(signedBytes);
    const catalog = { ...body, signature };
    // Canonical order puts `signature` after every other member of a catalog: appended, the text
    // stays canonical JSON of the signed catalog (agents parse it as any JSON).
    const last = Object.keys(body).sort().at(-1);
    if (last === undefined || last > "signature") return { catalog, bytes: Buffer.from(this.texts.encode(catalog)) };
    const tail = Buffer.from(`,"signature":${this.texts.encode(signature)}}`);
    return { catalog, bytes: Buffer.concat([signedBytes.subarray(0, -1), tail]) };
  }
}

/**
 * Whether JSON.stringify would write the two alike, key order aside (a missing member and an
 * undefined one differ). Not util.isDeepStrictEqual: on compiled resources, which are plain
 * data, it made a 10,000-host compile 0.4 s slower.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const k of keys) if (!Object.hasOwn(y, k) || !sameJson(x[k], y[k])) return false;
  return true;
}
