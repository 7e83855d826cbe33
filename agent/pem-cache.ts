// Parsing PEM is slow under OpenSSL 3's decoders: an RSA-2048 private key takes ~3.6 ms and a
// certificate ~1.2 ms on the bench VM, and every converge checks each certificate resource's key
// and certificate (bench/README.md, controller-1000). They rarely change, so each agent keeps the
// parses of the PEM texts it saw last, keyed by the text itself: a changed file is parsed afresh.
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";

/** Enough for every key and certificate of the largest catalog (the hub's) with room to spare. */
const DEFAULT_ENTRIES = 64;

export class PemCache {
  private readonly entries = new Map<string, KeyObject | X509Certificate>();

  constructor(private readonly maxEntries = DEFAULT_ENTRIES) {}

  /** createPrivateKey(pem), remembered; throws as it does. */
  privateKey(pem: string): KeyObject {
    return this.remembered(`key\n${pem}`, () => createPrivateKey(pem)) as KeyObject;
  }

  /** new X509Certificate(pem), remembered; throws as it does. */
  certificate(pem: string): X509Certificate {
    return this.remembered(`cert\n${pem}`, () => new X509Certificate(pem)) as X509Certificate;
  }

  get size(): number {
    return this.entries.size;
  }

  private remembered(id: string, parse: () => KeyObject | X509Certificate): KeyObject | X509Certificate {
    const hit = this.entries.get(id);
    // Re-inserted on use, so the Map's order is least recently used first.
    this.entries.delete(id);
    const value = hit ?? parse();
    this.entries.set(id, value);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}
