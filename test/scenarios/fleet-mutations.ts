// Seeded mutations of a valid fleet.yaml, by kind, for the bad-input scenario. Deterministic:
// a failure names its kind and index, and the same seed rebuilds the same bytes.
import { parse } from "yaml";
import { prng } from "../support/prng.js";

export interface Mutation {
  readonly kind: string;
  readonly name: string;
  readonly bytes: Buffer;
  /** True when no valid fleet can come out of this mutation (it must be rejected). */
  readonly mustReject: boolean;
}


const WRONG_TYPES = ["[1, 2]", "{ a: 1 }", "-1", "true", "null", "1.5e308", "!!binary aGVsbG8=", '"\\u0000"'];
const HOSTILE_CHARS = [":", "- ", "\t", "{", "[", "&x ", "*x", "!", "%", "@", "`", "'", '"', "#", "\n  ", "\n"];

/** The JSON type a YAML value text parses to. */
function yamlType(text: string): string {
  try {
    const v: unknown = parse(text);
    return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
  } catch {
    return "unparsable";
  }
}

export function mutations(valid: string, seed = 20261126): Mutation[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const lines = valid.split("\n");
  const out: Mutation[] = [];
  const add = (kind: string, text: string | Buffer, mustReject: boolean) =>
    out.push({ kind, name: `${kind} #${out.filter((m) => m.kind === kind).length}`, bytes: typeof text === "string" ? Buffer.from(text) : text, mustReject });
  const valueLines = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\s*[\w-]+: \S/.test(l) && !/^\s*#/.test(l));

  // Type errors: a scalar (or list) value replaced by a value of another type (`true` for a
  // boolean or a quoted string for a string would be no type error at all).
  for (let i = 0; i < 60; i++) {
    const [line, at] = pick(valueLines);
    const original = yamlType(line.replace(/^\s*[\w-]+: /, "").replace(/\s+#.*$/, ""));
    let wrong = pick(WRONG_TYPES);
    while (yamlType(wrong) === original) wrong = pick(WRONG_TYPES);
    const copy = [...lines];
    copy[at] = line.replace(/^(\s*[\w-]+: ).*$/, `$1${wrong}`);
    add("type-error", copy.join("\n"), false);
  }
  // Missing keys: each non-blank, non-comment line deleted in turn.
  lines.forEach((l, at) => {
    if (l.trim() === "" || l.trim().startsWith("#")) return;
    add("missing-key", lines.filter((_, j) => j !== at).join("\n"), false);
  });
  // Unknown roles.
  for (const role of ["hubb", "kojid", "HUB", "", "builder ", "postgres", "nfs-server", "web,hub"]) {
    add("unknown-role", valid.replace("roles: [database]", `roles: [${JSON.stringify(role)}]`), true);
  }
  // Duplicate hosts: the same name twice, or the same address twice.
  const hostBlock = valid.slice(valid.indexOf("  - name: cs10-koji-03"), valid.indexOf("  - name: cs10-koji-04"));
  add("duplicate-host", `${valid.trimEnd()}\n${hostBlock}`, true);
  add("duplicate-host", valid.replace("name: cs10-koji-04", "name: cs10-koji-03"), true);
  add("duplicate-host", valid.replace("name: cs10-koji-04", "name: CS10-KOJI-03"), true);
  add("duplicate-host", valid.replace("address: 192.168.122.14", "address: 192.168.122.13"), true);
  // Dependency cycles through rollout.dependencies.
  for (const deps of ["{ database: [hub] }", "{ hub: [builder], builder: [hub] }", "{ nfs: [nfs] }", "{ lookaside: [builder], builder: [lookaside] }"]) {
    add("dependency-cycle", `${valid.trimEnd()}\nrollout:\n  dependencies: ${deps}\n`, true);
  }
  // Huge values.
  add("huge-value", valid.replace("siteName: MxOS Koji", `siteName: ${"K".repeat(2_000_000)}`), true);
  add("huge-value", valid.replace("maxjobs: 10", `maxjobs: ${"9".repeat(400)}`), true);
  add("huge-value", valid.replace("name: cs10-koji-04", `name: ${"h".repeat(300)}`), true);
  add("huge-value", valid.replace("minspace: 8192", "minspace: 1e400"), true);
  add("huge-value", `${valid.trimEnd()}\n${Array.from({ length: 5_000 }, (_, i) => `  - name: b${i}\n    address: 10.${i >> 8}.${i & 255}.1\n    roles: [nfs]`).join("\n")}\n`, true);
  add("huge-value", valid.replace("arches: [x86_64]", `arches: [${Array.from({ length: 50_000 }, () => "x86_64").join(", ")}]`), true);
  // Hostile YAML: an alias bomb, tags, several documents, merge keys, deep nesting.
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`)];
  add("hostile-yaml", `${bomb.join("\n")}\n${valid}`, true);
  add("hostile-yaml", valid.replace("siteName: MxOS Koji", "siteName: !!js/function 'function () { process.exit(1) }'"), true);
  add("hostile-yaml", `${valid}\n---\n${valid}`, true);
  add("hostile-yaml", valid.replace("fleet:\n", "fleet:\n  <<: { name: x }\n"), true);
  add("hostile-yaml", `${valid.trimEnd()}\nx: ${"[".repeat(5_000)}${"]".repeat(5_000)}\n`, true);
  add("hostile-yaml", Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(valid, "utf16le")]), true);
  // Invalid UTF-8 at random offsets.
  const bad = [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xf0, 0x28, 0x8c, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80]];
  for (let i = 0; i < 24; i++) {
    const src = Buffer.from(valid);
    const at = Math.floor(rnd() * src.length);
    add("invalid-utf8", Buffer.concat([src.subarray(0, at), Buffer.from(pick(bad)), src.subarray(at)]), true);
  }
  // Truncation at random byte offsets.
  for (let i = 0; i < 30; i++) add("truncated", Buffer.from(valid).subarray(0, Math.floor(rnd() * valid.length)), false);
  // Random syntax characters inserted.
  for (let i = 0; i < 40; i++) {
    const at = Math.floor(rnd() * valid.length);
    add("syntax-noise", valid.slice(0, at) + pick(HOSTILE_CHARS) + valid.slice(at), false);
  }
  return out;
}
