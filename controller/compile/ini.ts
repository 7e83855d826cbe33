// The one INI renderer for Koji's config files (hub.conf, web.conf, kojira.conf, kojid.conf, koji
// client profiles). Deterministic: sections and keys come out in the order given, so the same
// fleet always yields the same bytes. parseIni() reads it back (tests, and a later drift probe).

export const MANAGED_HEADER = "managed by koji-fleet, do not edit: changes are overwritten on the next converge";

/** `#` comment lines for non-INI files (httpd, exports, PostgreSQL), starting with MANAGED_HEADER. */
export const managedHeader = (...lines: string[]): string => [MANAGED_HEADER, ...lines].map((l) => `# ${l}\n`).join("");

/** A value of several lines (Python's ConfigParser continuation lines), e.g. a hub policy's rules. */
export interface IniLines {
  readonly lines: readonly string[];
}
export type IniValue = string | number | boolean | readonly string[] | IniLines;
/** A key/value (undefined values are left out) or a comment line explaining why. */
export type IniEntry = readonly [key: string, value: IniValue | undefined] | { readonly comment: string };
export interface IniSection {
  readonly name: string;
  readonly entries: readonly IniEntry[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const SECTION = /^[A-Za-z0-9_.-]+$/;

const isLines = (value: IniValue): value is IniLines => typeof value === "object" && "lines" in value;

function renderValue(key: string, value: IniValue): string {
  // Continuation lines: indented, each checked as a value of its own.
  if (isLines(value)) return value.lines.map((l) => `\n    ${renderValue(key, l)}`).join("");
  // Koji lists are space separated; Python's getboolean accepts True/False.
  const text = Array.isArray(value) ? value.join(" ") : typeof value === "boolean" ? (value ? "True" : "False") : String(value);
  // kojira, kojiweb and the koji CLI read with interpolation, so a bare % would be misread;
  // the schema keeps % and newlines out of every value, so reaching this is a compiler bug.
  if (/[\r\n%]/.test(text)) throw new Error(`INI value of ${key} contains a newline or %: ${JSON.stringify(text)}`);
  return text;
}

export function renderIni(sections: readonly IniSection[], header: readonly string[] = []): string {
  const lines = managedHeader(...header).trimEnd().split("\n");
  for (const section of sections) {
    if (!SECTION.test(section.name)) throw new Error(`invalid INI section name ${JSON.stringify(section.name)}`);
    lines.push("", `[${section.name}]`);
    for (const entry of section.entries) {
      if ("comment" in entry) {
        lines.push(`# ${entry.comment}`.trimEnd());
        continue;
      }
      const [key, value] = entry as readonly [string, IniValue | undefined];
      if (!KEY.test(key)) throw new Error(`invalid INI key ${JSON.stringify(key)}`);
      if (value !== undefined) lines.push(isLines(value) ? `${key} =${renderValue(key, value)}` : `${key} = ${renderValue(key, value)}`.trimEnd());
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Minimal reader for what renderIni writes (and Koji's own sample files): sections, `k = v`, # and ; comments. */
export function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  let last: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    // An indented line continues the previous value, as in ConfigParser.
    if (/^\s/.test(raw) && current && last !== undefined) {
      current[last] = current[last] === "" ? line : `${current[last]}\n${line}`;
      continue;
    }
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = out[section[1] as string] ??= {};
      last = undefined;
      continue;
    }
    const eq = line.search(/[=:]/);
    if (eq < 0 || !current) throw new Error(`not an INI line: ${JSON.stringify(raw)}`);
    last = line.slice(0, eq).trim();
    current[last] = line.slice(eq + 1).trim();
  }
  return out;
}
