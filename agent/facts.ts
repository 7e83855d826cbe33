// What the agent knows about the OS it manages, from os-release(5). Kinds that change the OS
// pick their provider from these facts; an OS no provider supports is a Stalled error.
import { resolveUnderRoot, type Files } from "./providers/files.js";

export type OsFamily = "el" | "fedora" | "debian" | "unknown";

export interface HostFacts {
  os: { id: string; versionId: string; like: string[]; prettyName: string };
  family: OsFamily;
}

const EL_IDS = new Set(["rhel", "centos", "almalinux", "rocky", "ol", "circle", "eurolinux"]);

/** Parses os-release text: KEY=value lines, values optionally quoted. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, "$2").replace(/\\(["'$`\\])/g, "$1");
  }
  return out;
}

export function factsFromOsRelease(fields: Record<string, string>): HostFacts {
  const id = (fields.ID ?? "unknown").toLowerCase();
  const like = (fields.ID_LIKE ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  const family: OsFamily =
    id === "fedora" ? "fedora"
    : EL_IDS.has(id) || like.includes("rhel") || like.includes("centos") ? "el"
    : id === "debian" || like.includes("debian") ? "debian"
    : "unknown";
  return { os: { id, versionId: fields.VERSION_ID ?? "", like, prettyName: fields.PRETTY_NAME ?? id }, family };
}

export const UNKNOWN_FACTS: HostFacts = factsFromOsRelease({});

export const describeOs = (f: HostFacts): string => `${f.os.prettyName} (${f.os.id} ${f.os.versionId})`.replace(/ \)$/, ")");

/** Reads <root>/etc/os-release, falling back to /usr/lib/os-release as os-release(5) says. */
export async function readFacts(files: Files, root: string): Promise<HostFacts> {
  for (const p of ["/etc/os-release", "/usr/lib/os-release"]) {
    const text = await files.readFile(resolveUnderRoot(root, p), { followTrustedLinks: true }); // EL links it to ../usr/lib/os-release
    if (text) return factsFromOsRelease(parseOsRelease(text.toString("utf8")));
  }
  return UNKNOWN_FACTS;
}
