// A strict parser of the Prometheus text exposition format 0.0.4, for tests: it throws on
// anything a scraper would reject (or that our renderer should never write).
export type PromType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  help: string | null;
  type: PromType;
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseValue(s: string, line: number): number {
  if (s === "NaN") return NaN;
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`line ${line}: invalid value '${s}'`);
  return Number(s);
}

function parseLabels(s: string, line: number): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf("=", i);
    if (eq < 0) throw new Error(`line ${line}: label without '='`);
    const key = s.slice(i, eq).trim();
    if (!LABEL.test(key)) throw new Error(`line ${line}: invalid label name '${key}'`);
    if (key in out) throw new Error(`line ${line}: duplicate label '${key}'`);
    if (s[eq + 1] !== '"') throw new Error(`line ${line}: label value not quoted`);
    let j = eq + 2;
    let v = "";
    for (;;) {
      const c = s[j];
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === "\\") {
        const n = s[j + 1];
        if (n === "n") v += "\n";
        else if (n === "\\" || n === '"') v += n;
        else throw new Error(`line ${line}: invalid escape \\${n}`);
        j += 2;
        continue;
      }
      v += c;
      j++;
    }
    out[key] = v;
    j++;
    if (j < s.length && s[j] !== ",") throw new Error(`line ${line}: expected ',' after a label`);
    i = j + 1;
  }
  return out;
}

const familyOf = (sample: string, families: Map<string, PromFamily>): PromFamily | undefined => {
  if (families.has(sample)) return families.get(sample);
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (sample.endsWith(suffix)) {
      const f = families.get(sample.slice(0, -suffix.length));
      if (f && (f.type === "histogram" || f.type === "summary")) return f;
    }
  }
  return undefined;
};

/** Families by name. Every sample must follow its family's `# TYPE` line. */
export function parsePromText(text: string): Map<string, PromFamily> {
  if (text !== "" && !text.endsWith("\n")) throw new Error("the exposition must end with a newline");
  const families = new Map<string, PromFamily>();
  const lines = text.split("\n").slice(0, -1);
  lines.forEach((raw, idx) => {
    const n = idx + 1;
    if (raw.trim() === "") return;
    if (raw.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`line ${n}: invalid metric name '${name}'`);
      const f = families.get(name) ?? { name, help: null, type: "untyped" as PromType, samples: [] };
      if (kind === "HELP") {
        if (f.help !== null) throw new Error(`line ${n}: second HELP for ${name}`);
        f.help = rest.replace(/\\(\\|n)/g, (_m, c: string) => (c === "n" ? "\n" : "\\"));
      } else {
        if (families.has(name) && f.type !== "untyped") throw new Error(`line ${n}: second TYPE for ${name}`);
        if (f.samples.length > 0) throw new Error(`line ${n}: TYPE after samples of ${name}`);
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) throw new Error(`line ${n}: invalid type '${rest}'`);
        f.type = rest as PromType;
      }
      families.set(name, f);
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(raw);
    if (!m) throw new Error(`line ${n}: not a sample: ${raw}`);
    const name = m[1]!;
    const f = familyOf(name, families);
    if (!f) throw new Error(`line ${n}: sample ${name} without a TYPE line`);
    if (f.type === "counter" && !name.endsWith("_total") && name === f.name && !f.name.endsWith("_total")) {
      // allowed by 0.0.4, but our counters all end in _total
      throw new Error(`line ${n}: counter ${name} should end in _total`);
    }
    const labels = m[3] ? parseLabels(m[3], n) : {};
    const value = parseValue(m[4]!, n);
    if (f.type === "counter" && !(value >= 0)) throw new Error(`line ${n}: negative counter ${name}`);
    f.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === "histogram") checkHistogram(f);
  return families;
}

function checkHistogram(f: PromFamily): void {
  const groups = new Map<string, PromSample[]>();
  for (const s of f.samples) {
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const samples of groups.values()) {
    const buckets = samples.filter((s) => s.name === `${f.name}_bucket`);
    const count = samples.find((s) => s.name === `${f.name}_count`);
    if (!samples.some((s) => s.name === `${f.name}_sum`) || !count) throw new Error(`${f.name}: histogram without _sum or _count`);
    const inf = buckets.find((b) => b.labels.le === "+Inf");
    if (!inf) throw new Error(`${f.name}: no +Inf bucket`);
    if (inf.value !== count.value) throw new Error(`${f.name}: +Inf bucket differs from _count`);
    let prevLe = -Infinity;
    let prev = 0;
    for (const b of buckets) {
      const le = parseValue(b.labels.le ?? "", 0);
      if (!(le > prevLe)) throw new Error(`${f.name}: buckets not in increasing le order`);
      if (b.value < prev) throw new Error(`${f.name}: bucket counts not cumulative`);
      prevLe = le;
      prev = b.value;
    }
  }
}
