// A koji CLI profile, read as koji 1.35 reads it (koji/__init__.py read_config): the INI files
// /etc/koji.conf.d/*.conf (sorted), /etc/koji.conf, ~/.koji/config.d/*.conf (sorted),
// ~/.koji/config, later ones overriding earlier ones key by key, parsed as Python's
// ConfigParser does (sections, `key = value` or `key: value`, keys case-insensitive, `#`/`;`
// comment lines, indented continuation lines, [DEFAULT] for every section, `%(key)s`
// interpolation and `%%`). Only what an anonymous read needs: server, serverca, cert (unset:
// ~/.koji/serverca.crt and ~/.koji/client.crt when they exist, as koji does).
import { access, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { FleetError } from "../shared/errors.js";

export interface KojiProfile {
  readonly server: string;
  /** The CA file for the hub's certificate; "" for the system trust. */
  readonly serverca: string;
  /** The client certificate (and key) file; "" for none. */
  readonly cert: string;
}

type Ini = Map<string, Map<string, string>>;

/** ConfigParser.read_string's result, merged into `into` (a later file overrides a key). */
export function parseIni(text: string, into: Ini = new Map()): Ini {
  let section: Map<string, string> | null = null;
  let last: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) {
      last = line === "" ? null : last;
      continue;
    }
    if (/^\s/.test(raw) && section && last !== null) {
      section.set(last, `${section.get(last)}\n${line}`);
      continue;
    }
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      const name = header[1]!;
      section = into.get(name) ?? new Map<string, string>();
      into.set(name, section);
      last = null;
      continue;
    }
    const option = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (!option || !section) continue;
    last = option[1]!.toLowerCase();
    section.set(last, option[2]!);
  }
  return into;
}

/** BasicInterpolation: `%(key)s` from the section (or DEFAULT), `%%` a percent sign. */
function interpolate(value: string, lookup: (key: string) => string | undefined, depth = 0): string {
  return value.replace(/%(%|\(([^)]+)\)s)/g, (whole, _m: string, key: string | undefined) => {
    if (key === undefined) return "%";
    const v = lookup(key.toLowerCase());
    return v === undefined || depth > 10 ? whole : interpolate(v, lookup, depth + 1);
  });
}

/** The profile's options, DEFAULT's included, interpolated; null when the files have no such section. */
export function profileOptions(ini: Ini, profile: string): Map<string, string> | null {
  const own = ini.get(profile);
  if (!own || profile === "DEFAULT") return null;
  const all = new Map([...(ini.get("DEFAULT") ?? []), ...own]);
  return new Map([...all].map(([k, v]) => [k, interpolate(v, (key) => all.get(key))]));
}

const exists = (path: string) => access(path).then(() => true, () => false);

async function confDir(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith(".conf")).sort().map((n) => join(dir, n));
}

/** The files koji reads, in its order. `etc` and `home` are / and $HOME but in tests. */
export async function kojiConfigFiles(etc: string, home: string): Promise<string[]> {
  return [...(await confDir(join(etc, "koji.conf.d"))), join(etc, "koji.conf"), ...(await confDir(join(home, ".koji", "config.d"))), join(home, ".koji", "config")];
}

export async function readKojiProfile(profile: string, roots: { etc: string; home: string }): Promise<KojiProfile> {
  const ini: Ini = new Map();
  const files = await kojiConfigFiles(roots.etc, roots.home);
  for (const file of files) {
    const text = await readFile(file, "utf8").catch(() => null);
    if (text !== null) parseIni(text, ini);
  }
  const options = profileOptions(ini, profile);
  if (!options) throw new FleetError("KF_ERR_NOT_FOUND", `no configuration for koji profile '${profile}' in ${files.join(", ")}`);
  const expand = (p: string) => (p === "~" || p.startsWith("~/") ? join(roots.home, p.slice(1)) : p);
  const file = async (key: string, fallback: string) => {
    const set = options.get(key);
    if (set !== undefined) return expand(set);
    const dflt = join(roots.home, ".koji", fallback);
    return (await exists(dflt)) ? dflt : "";
  };
  return { server: options.get("server") ?? "http://localhost/kojihub", serverca: await file("serverca", "serverca.crt"), cert: await file("cert", "client.crt") };
}
