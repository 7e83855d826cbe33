// A throwaway Apache httpd (Debian's apache2 with mod_ssl) on a loopback port: its own
// ServerRoot, PidFile, runtime directory and config, in the foreground as our child, killed
// after. Debian lays httpd out differently from EL, so a site config under test is included
// from a minimal main config here rather than from /etc/apache2.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { waitFor } from "./wait.js";

const run = promisify(execFile);
export const APACHE2 = "/usr/sbin/apache2";
export const MODULES = "/usr/lib/apache2/modules";
/** mpm, Require, mod_ssl and its session cache: the core serves the static file. */
const MODULE_NAMES = ["mpm_event", "authz_core", "ssl", "socache_shmcb"];

/** Fails (never skips) without Debian's apache2: the CI script installs it. */
export function requireApache2(): void {
  if (!existsSync(APACHE2)) throw new Error(`${APACHE2} not found: this test runs a real Apache httpd; apt-get install apache2`);
}

/** The lines every main config starts with: its root, runtime paths, modules and worker user. */
export function mainConfigHead(o: { serverRoot: string; runDir: string; modules: readonly string[]; user?: readonly [string, string] }): string[] {
  return [
    `ServerRoot "${o.serverRoot}"`,
    `DefaultRuntimeDir "${o.runDir}"`,
    `PidFile "${o.runDir}/apache2.pid"`,
    `Mutex file:${o.runDir} default`,
    ...o.modules.map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`),
    ...(o.user ? [`User ${o.user[0]}`, `Group ${o.user[1]}`] : []),
  ];
}

export interface Apache {
  readonly dir: string;
  /** A file of <dir>/logs: error_log is apache2's own; a site's relative ErrorLog lands there too. */
  log(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The main config around `siteConf`: paths inside `dir`, a DocumentRoot whose /index.html
 * answers "ok" to whoever `htdocsAccess` admits (e.g. `Require ssl-verify-client`).
 */
export async function apacheConfig(dir: string, siteConf: string, htdocsAccess: string, extraModules: readonly string[] = []): Promise<string> {
  for (const d of ["logs", "run", "htdocs"]) await mkdir(join(dir, d), { recursive: true });
  // Workers drop to nobody when we are root; they must reach the DocumentRoot.
  await chmod(dir, 0o755);
  await writeFile(join(dir, "htdocs", "index.html"), "ok\n", { mode: 0o644 });
  await writeFile(join(dir, "site.conf"), siteConf);
  const root = process.getuid?.() === 0;
  const conf = join(dir, "apache2.conf");
  await writeFile(conf, [
    ...mainConfigHead({ serverRoot: dir, runDir: `${dir}/run`, modules: [...MODULE_NAMES, ...extraModules], ...(root && { user: ["nobody", "nogroup"] as const }) }),
    "ServerName localhost",
    `ErrorLog "${dir}/logs/error_log"`,
    `DocumentRoot "${dir}/htdocs"`,
    `<Directory "${dir}/htdocs">`,
    `    ${htdocsAccess}`,
    "</Directory>",
    `Include "${dir}/site.conf"`,
    "",
  ].join("\n"));
  return conf;
}

/** `apachectl -t` on `conf`: resolves with its output, rejects with it when the config is invalid. */
export async function configTest(conf: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(APACHE2, ["-t", "-f", conf]);
    return `${stdout}${stderr}`;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`apache2 -t refused ${conf}: ${e.stderr || e.stdout || e.message}`);
  }
}

/**
 * A rendered ssl.conf (controller/compile/roles/httpd.ts) on Debian's apache2: only the port (443
 * needs root and is taken), the PKI directory (tests do not write /etc, it moves to <dir>/pki),
 * and EL-only values Debian's build refuses (the crypto-policies PROFILE, EL's pass-phrase
 * helper, /run/httpd) change. Each edit must apply, so a change to the rendered text shows up
 * here. Every other line is the compiler's.
 */
export function sslConfOnDebian(text: string, dir: string, port: number): string {
  return applyEdits(text, "ssl.conf", [
    ["Listen 443 https", `Listen 127.0.0.1:${port} https`],
    ["<VirtualHost _default_:443>", `<VirtualHost _default_:${port}>`],
    ["SSLPassPhraseDialog exec:/usr/libexec/httpd-ssl-pass-dialog", "SSLPassPhraseDialog builtin"],
    ["shmcb:/run/httpd/sslcache(512000)", `shmcb:${dir}/run/sslcache(512000)`],
    ["SSLCipherSuite PROFILE=SYSTEM", "SSLCipherSuite DEFAULT"],
    ["SSLProxyCipherSuite PROFILE=SYSTEM", "SSLProxyCipherSuite DEFAULT"],
    ["/etc/pki/koji", join(dir, "pki")],
  ]);
}

/** Every `from` replaced by its `to`; throws when one is missing (the rendered text changed). */
export function applyEdits(text: string, what: string, edits: readonly (readonly [string, string])[]): string {
  return edits.reduce((t, [from, to]) => {
    if (!t.includes(from)) throw new Error(`the rendered ${what} no longer has ${JSON.stringify(from)}: update the test's edits`);
    return t.replaceAll(from, to);
  }, text);
}

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, "127.0.0.1", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

export interface ApacheWhere {
  /** Wraps apache2's argv, e.g. nsenter into a namespace; default: run it here. */
  wrap?: (argv: string[]) => string[];
  /** Its logs/ and pid file when not under `dir` (ServerRoot elsewhere). */
  logDir?: string;
  pidFile?: string;
  /** Whether it accepts connections; default: 127.0.0.1:`port` does. */
  listening?: () => Promise<boolean>;
}

/** Starts apache2 -DFOREGROUND on `conf` and waits until `port` accepts connections. */
export async function startApache(dir: string, conf: string, port: number, where: ApacheWhere = {}): Promise<Apache> {
  const [cmd, ...args] = (where.wrap ?? ((a: string[]) => a))([APACHE2, "-f", conf, "-DFOREGROUND"]);
  const child: ChildProcess = spawn(cmd!, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d));
  child.stderr!.on("data", (d: Buffer) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const log = (name: string) => readFile(join(where.logDir ?? join(dir, "logs"), name), "utf8").catch(() => "");
  const apache: Apache = {
    dir,
    log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
  const died = exited.then(async () => {
    throw new Error(`apache2 exited with ${child.exitCode}: ${output}${await log("error_log")}`);
  });
  died.catch(() => undefined); // stop() makes it exit too: only the race below cares
  try {
    // The pid file is written once the configuration loaded: the port alone opens before that.
    const pidFile = where.pidFile ?? join(dir, "run", "apache2.pid");
    const accepts = where.listening ?? (() => listening(port));
    await Promise.race([waitFor(async () => existsSync(pidFile) && (await accepts()), { timeoutMs: 15_000, message: `apache2 running on port ${port}` }), died]);
  } catch (err) {
    await apache.stop();
    throw err;
  }
  return apache;
}
