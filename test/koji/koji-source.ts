// Which Koji the lane runs: KOJI_SRC (an unpacked source tree or a .tar.gz of one), by default
// the vendored tarball beside the project. Without one, and without the Debian packages that
// run it, the lane fails saying what to do: it never passes by running nothing.
import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const DEFAULT_KOJI_SRC = resolve(REPO, "../shared/vendor/koji-1.35.3.tar.gz");

/** Debian 12 packages that run the hub under mod_wsgi and the CLI (test/koji/README.md). */
export const DEBIAN_PACKAGES = [
  "apache2", "libapache2-mod-wsgi-py3", "python3-psycopg2", "python3-rpm", "python3-requests", "python3-dateutil", "python3-six",
  "python3-defusedxml", "python3-cheetah", "python3-librepo", "python3-dnf", "python3-libcomps", "createrepo-c", "postgresql",
] as const;
/** What each package gives that the lane looks for: a file, or a python3 module. */
const PROVIDES: readonly { file?: string; module?: string }[] = [
  { file: "/usr/sbin/apache2" }, { file: "/usr/lib/apache2/modules/mod_wsgi.so" }, { module: "psycopg2" }, { module: "rpm" }, { module: "requests" },
  { module: "dateutil" }, { module: "six" }, { module: "defusedxml" }, { module: "Cheetah" }, { module: "librepo" }, { module: "dnf" }, { module: "libcomps" },
  { file: "/usr/bin/createrepo_c" }, { file: "/usr/bin/psql" },
];

/** Debian's interpreter: the one mod_wsgi embeds and python3-* install for (not a pyenv shim on PATH). */
export const PYTHON3 = "/usr/bin/python3";

export const APT_LINE = `apt-get install -y --no-install-recommends ${DEBIAN_PACKAGES.join(" ")}`;

export async function requireDebianPackages(): Promise<void> {
  const missing = PROVIDES.filter((p) => p.file && !existsSync(p.file)).map((p) => p.file!);
  const modules = PROVIDES.flatMap((p) => (p.module ? [p.module] : []));
  const probe = `import importlib.util,sys; print(" ".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))`;
  const { stdout } = await run(PYTHON3, ["-c", probe, ...modules]).catch(() => ({ stdout: modules.join(" ") }));
  missing.push(...stdout.split(/\s+/).filter(Boolean).map((m) => `python3 module ${m}`));
  if (missing.length > 0) throw new Error(`the Koji lane needs Debian packages (missing: ${missing.join(", ")}); as root run:\n  ${APT_LINE}`);
}

export interface KojiSource {
  /** The unpacked tree: koji/, kojihub/, cli/, schemas/schema.sql. */
  readonly dir: string;
  /** From koji.spec's Version: line. */
  readonly version: string;
}

const HOW_TO_GET =
  "Set KOJI_SRC to a Koji source tree or tarball, or make the default one with: git clone https://github.com/koji-project/koji && " +
  "git -C koji archive --format=tar.gz --prefix=koji-1.35.3/ koji-1.35.3 -o ../shared/vendor/koji-1.35.3.tar.gz (see ../shared/vendor/README.md)";

/** Unpacks (when a tarball) into `scratch` and checks the tree has what the lane runs. */
export async function kojiSource(scratch: string, env: NodeJS.ProcessEnv = process.env): Promise<KojiSource> {
  const given = env.KOJI_SRC ? resolve(REPO, env.KOJI_SRC) : DEFAULT_KOJI_SRC;
  if (!existsSync(given)) throw new Error(`no Koji source at ${given}${env.KOJI_SRC ? " (KOJI_SRC)" : ""}. ${HOW_TO_GET}`);
  let dir = given;
  if (statSync(given).isFile()) {
    await mkdir(scratch, { recursive: true });
    await run("tar", ["-xzf", given, "-C", scratch]);
    const [top, ...more] = await readdir(scratch);
    if (!top || more.length > 0) throw new Error(`${given}: expected one top folder (koji-<version>/), found ${[top, ...more].join(", ")}`);
    dir = join(scratch, top);
  }
  for (const part of ["koji/__init__.py", "kojihub/kojixmlrpc.py", "kojihub/app/kojiapp.py", "kojihub/app/httpd.conf", "cli/koji", "schemas/schema.sql", "koji.spec"]) {
    if (!existsSync(join(dir, part))) throw new Error(`${given} is not a Koji source tree: no ${part}. ${HOW_TO_GET}`);
  }
  const version = /^Version:\s*(\S+)/m.exec(await readFile(join(dir, "koji.spec"), "utf8"))?.[1];
  if (!version) throw new Error(`${join(dir, "koji.spec")}: no Version: line`);
  return { dir, version };
}
