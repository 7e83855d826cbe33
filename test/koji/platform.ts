// The EL platform tools the agent's kinds call by absolute path (dnf, rpm, firewall-cmd,
// getenforce, semanage, exportfs, update-ca-trust, …), stood in for in ONE place: the
// executables under test/koji/platform/, copied at their real paths into a farm host's upper
// layers before overlay() mounts them, so the agent runs unmodified on Debian. What each one
// does, its state (/var/lib/koji-lane/, private per host) and why: its opening comment, and
// docs/testing.md. Tools that come with an EL package are laid by the dnf stand-in when the
// package is installed (el-packages.ts); this lays the rest, as a fresh CentOS Stream 10 has them.
import { chmod, chown, copyFile, mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { APACHE2 } from "../support/apache.js";
import { EDITS, HTTPD_MAIN } from "./debian-adaptations.js";
import { BASE_REPOS, elPackages, PG_BIN, type Step } from "./el-packages.js";

const TREE = fileURLToPath(new URL("./platform", import.meta.url));
/** Where the stand-ins read what this writes (test/koji/platform/usr/lib/koji-lane/lane.py). */
export const LANE_DIR = "/usr/lib/koji-lane";
/** The real tools the NFS stand-ins hand everything else to: they shadow them at the same paths. */
const REAL = ["/usr/bin/mount", "/usr/bin/umount", "/usr/bin/findmnt"];
/** This machine's CA bundle: the distribution's CAs update-ca-trust extracts along with the anchors. */
const DEBIAN_CAS = "/etc/ssl/certs/ca-certificates.crt";
const RELEASE = "lane";

/** The os-release the agent reads its facts from: it picks its EL providers. */
const OS_RELEASE = `# The Koji lane's farm hosts are CentOS Stream 10 to the agent (test/koji/platform.ts); Debian underneath.
NAME="CentOS Stream"
VERSION="10 (Coughlan)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="10"
PLATFORM_ID="platform:el10"
PRETTY_NAME="CentOS Stream 10 (Coughlan)"
`;

export interface PlatformOptions {
  /** The unpacked Koji source the Koji packages are made from (koji-source.ts). */
  readonly kojiSrc: string;
  /**
   * Paths the lane bind-mounts from the NFS host before the agent runs (standing in for the
   * kernel NFS server and client): mount/findmnt report an nfs fstab entry there as mounted.
   */
  readonly nfsMounts?: readonly string[];
}

/**
 * Lays the platform into `upperRoot` (the directory holding each overlaid directory's upper
 * layer: <upperRoot>/usr, <upperRoot>/etc): the stand-ins, their configuration and the few
 * files of EL's base system the catalogs expect. Call it before overlay() mounts the layers.
 */
export async function installPlatform(upperRoot: string, opts: PlatformOptions): Promise<void> {
  const at = (path: string) => join(upperRoot, path);
  for (const top of ["/usr", "/etc"]) await upperOf(upperRoot, top);
  await copyTree(TREE, upperRoot);
  await mkdir(at(`${LANE_DIR}/real`), { recursive: true });
  for (const tool of REAL) await copyFile(tool, at(`${LANE_DIR}/real/${tool.split("/").pop()}`));
  await copyFile(DEBIAN_CAS, at(`${LANE_DIR}/ca-certificates.crt`));
  const version = /^Version:\s*(\S+)/m.exec(await readFile(join(opts.kojiSrc, "koji.spec"), "utf8"))?.[1];
  if (!version) throw new Error(`${opts.kojiSrc}/koji.spec: no Version: line`);
  await writeFile(at(`${LANE_DIR}/packages.json`), JSON.stringify(packagesJson(version, opts.kojiSrc), null, 1));
  await writeFile(at(`${LANE_DIR}/lane.json`), JSON.stringify(laneJson(opts), null, 1));

  // EL's base system: ca-certificates' trust directories, its extracted bundle and the TLS link to it.
  await mkdir(at("/etc/pki/ca-trust/source/anchors"), { recursive: true });
  await mkdir(at("/etc/pki/ca-trust/extracted/pem"), { recursive: true });
  await copyFile(DEBIAN_CAS, at("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"));
  await mkdir(at("/etc/pki/tls/certs"), { recursive: true });
  await symlink("../../ca-trust/extracted/pem/tls-ca-bundle.pem", at("/etc/pki/tls/certs/ca-bundle.crt"));
  await mkdir(at("/etc/yum.repos.d"), { recursive: true }); // where the package kind writes repos it defines
  await writeFile(at("/usr/lib/os-release"), OS_RELEASE); // Debian's /etc/os-release links here
}

/** <upperRoot><top> with its lower's mode and owner: overlayfs shows the upper root's. */
async function upperOf(upperRoot: string, top: string): Promise<void> {
  const st = await stat(top);
  await mkdir(join(upperRoot, top), { recursive: true });
  await chmod(join(upperRoot, top), st.mode & 0o7777);
  await chown(join(upperRoot, top), st.uid, st.gid);
}

/** Copies the stand-in tree; files starting with #! are made executable (0755), others 0644. */
async function copyTree(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const [src, dest] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory()) {
      await mkdir(dest, { recursive: true });
      await copyTree(src, dest);
      continue;
    }
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(src, dest);
    await chmod(dest, (await readFile(src, "utf8")).startsWith("#!") ? 0o755 : 0o644);
  }
}

/** The dnf stand-in's table: el-packages.ts with Koji source paths made absolute. */
function packagesJson(kojiVersion: string, kojiSrc: string) {
  const resolve = (s: Step): Step => ("from" in s && s.from !== undefined ? { ...s, from: join(kojiSrc, s.from) } : s);
  return {
    repos: Object.fromEntries(Object.entries(BASE_REPOS).map(([id, [name, enabled]]) => [id, { name, enabled }])),
    packages: Object.fromEntries(Object.entries(elPackages(kojiVersion)).map(([name, p]) => [name, { ...p, release: RELEASE, steps: p.steps.map(resolve) }])),
  };
}

/** What the other stand-ins read (nfs.py, httpd, postgresql-setup). */
const laneJson = (opts: PlatformOptions) => ({
  nfsMounts: opts.nfsMounts ?? [],
  postgresBin: PG_BIN,
  httpd: {
    apache2: APACHE2,
    serverRoot: HTTPD_MAIN.serverRoot,
    runDir: HTTPD_MAIN.runDir,
    conf: `${HTTPD_MAIN.serverRoot}/conf/httpd.conf`,
    include: HTTPD_MAIN.include,
    edits: Object.fromEntries(Object.entries(EDITS).map(([path, edits]) => [path, edits.map(({ from, to }) => ({ from, to }))])),
  },
});
