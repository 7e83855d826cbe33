// The one INI renderer for Koji's config files (hub.conf, web.conf, kojira.conf, kojid.conf, koji
// client profiles). Deterministic: sections and keys come out in the order given, so the same
// fleet always yields the same bytes. parseIni() reads it back (tests, and a later drift probe).

export const MANAGED_HEADER = "managed by koji-fleet, do not edit: changes are overwritten on the next converge";

/** `#` comment lines for non-INI files (httpd, exports, PostgreSQL), starting with MANAGED_HEADER. */
export const managedHeader = (...lines: string[]): string => [MANAGED_HEADER, ...lines].map((l) => `# ${l}\n`).join("");

export type IniValue = string | number | boolean | readonly string[];
/** A key/value (undefined values are left out) or a comment line explaining why. */
export type IniEntry = readonly [key: string, value: IniValue | undefined] | { readonly comment: string };
export interface IniSection {
  readonly name: string;
  readonly entries: readonly IniEntry[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const SECTION = /^[A-Za-z0-9_.-]+$/;

function renderValue(key: string, value: IniValue): string {
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
      if (value !== undefined) lines.push(`${key} = ${renderValue(key, value)}`.trimEnd());
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Minimal reader for what renderIni writes (and Koji's own sample files): sections, `k = v`, # and ; comments. */
export function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = out[section[1] as string] ??= {};
      continue;
    }
    const eq = line.search(/[=:]/);
    if (eq < 0 || !current) throw new Error(`not an INI line: ${JSON.stringify(raw)}`);
    current[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}
