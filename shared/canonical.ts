import { createHash } from "node:crypto";

/**
 * Canonical JSON: object keys sorted, no insignificant whitespace, `undefined` members dropped.
 * Same input → same bytes, so a digest tells whether a catalog changed.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, undefined) ?? "null";
}

/**
 * Canonical texts remembered per object, for data that is never changed once encoded (compiled
 * catalogs): a resource shared by 10,000 catalogs is encoded once, and a catalog's digest,
 * signature and published text reuse its resources' texts instead of encoding them again.
 */
export class CanonicalTexts {
  private readonly texts = new WeakMap<object, string>();

  /** canonicalJson(value), reusing the text of every object under it seen by remember(). */
  encode(value: unknown): string {
    return encode(value, this.texts) ?? "null";
  }

  has(value: object): boolean {
    return this.texts.has(value);
  }

  /** Encodes `value` and remembers its text: it must not change afterwards. */
  remember(value: object): string {
    const known = this.texts.get(value);
    if (known !== undefined) return known;
    const text = this.encode(value);
    this.texts.set(value, text);
    return text;
  }
}

// JSON.stringify of the value with its keys sorted, written directly (no sorted copy is built).
function encode(value: unknown, known: WeakMap<object, string> | undefined): string | undefined {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new Error(`cannot encode ${value} as canonical JSON`);
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      const seen = known?.get(value);
      if (seen !== undefined) return seen;
      if (Array.isArray(value)) return `[${value.map((v) => encode(v, known) ?? "null").join(",")}]`;
      const members: string[] = [];
      for (const key of Object.keys(value).sort()) {
        const v = encode((value as Record<string, unknown>)[key], known);
        if (v !== undefined) members.push(`${JSON.stringify(key)}:${v}`);
      }
      return `{${members.join(",")}}`;
    }
    case "bigint":
      throw new Error("cannot encode a bigint as canonical JSON");
    default:
      // undefined, functions, symbols: dropped from objects, null in arrays (as JSON.stringify does)
      return undefined;
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function digestOf(value: unknown): string {
  return `sha256:${sha256Hex(canonicalJson(value))}`;
}
