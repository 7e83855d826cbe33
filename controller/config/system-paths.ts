// Path policy of fleet.yaml: agents create, chown, relabel and export its directories as root,
// so none may be `/` or a tree the operating system owns. A guard against mistakes (a typo, a
// pasted example), not against a malicious pusher: push access is root anyway (docs/trust.md).
// The check is lexical; a symlink on a host pointing into /etc is not seen from here.
import { posix } from "node:path";

/** Trees the OS owns; /var/run and /var/lock are symlinks into /run on EL. */
const SYSTEM_DIRS = ["/etc", "/usr", "/bin", "/sbin", "/boot", "/root", "/proc", "/sys", "/dev", "/run", "/var/lib/rpm", "/var/run", "/var/lock"];
/** `/lib*`: /lib, /lib64, /libx32 and any other top-level name starting with lib. */
const LIB_DIR = /^\/lib[^/]*/;

/** Why `path` must not be a directory koji-fleet manages, or null when it may be. */
export function systemPathReason(path: string): string | null {
  if (!path.startsWith("/")) return "is not an absolute path";
  // Normalised first, so `..`, `//` and `/.` cannot walk around the rule.
  const normal = posix.normalize(path).replace(/(.)\/+$/, "$1");
  const resolves = normal === path ? "" : `resolves to ${normal}, which `;
  if (normal === "/") return `${resolves}is the root directory`;
  const system = SYSTEM_DIRS.find((d) => normal === d || normal.startsWith(`${d}/`)) ?? LIB_DIR.exec(normal)?.[0];
  if (system === undefined) return null;
  return `${resolves}is ${normal === system ? "" : "inside "}the system directory ${system}`;
}
