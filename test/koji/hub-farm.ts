// The lane's farm, step 1: the hub (cs10-koji-00) and the database (cs10-koji-01) as network
// namespaces at their fleet addresses, joined by a veth. The database role is converged for real
// by the agent's engine (commands run inside the database's namespace) with Koji's own
// schema.sql; the hub's rendered files are laid at their real paths in overlays private to the
// hub's mount namespace, and Debian's apache2 + mod_wsgi runs the real kojihub on them.
import { chmod, mkdir } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { converge, type ConvergeReport } from "../../agent/engine/converge.js";
import { readFacts } from "../../agent/facts.js";
import { options as engineOptions } from "../../agent/engine/testing.js";
import { NAMES_ID } from "../../controller/compile/resources.js";
import { startCluster, type TestCluster } from "../../agent/kinds/postgres-testing.js";
import { createExecutor, type Executor } from "../../agent/providers/executor.js";
import { staticSecrets } from "../../agent/secrets.js";
import { RevocationList } from "../../controller/ca/revocation.js";
import { PATHS } from "../../controller/compile/farm.js";
import { parseIni } from "../../controller/compile/ini.js";
import { compiled, DB, HUB, reference } from "../../controller/compile/testing.js";
import { silentLogger } from "../../shared/log.js";
import { APACHE2, startApache, type Apache } from "../support/apache.js";
import { convergeDatabaseRole, databaseRoleResources } from "../support/database-role.js";
import { farmPki, type FarmPki } from "../support/farm-pki.js";
import { forward, link, overlay, requireNamespaces, startNsHost, type NsHost } from "../support/netns.js";
import { HTTPD_MAIN } from "./debian-adaptations.js";
import { kojiSource, PYTHON3, requireDebianPackages, type KojiSource } from "./koji-source.js";
import { layHost, OVERLAID, renderSecrets } from "./lay-host.js";

export const DB_PASSWORD = "k0ji-lane 'db' pass";
const SECRETS = { "koji-db-password": DB_PASSWORD, "kojiweb-session-secret": "kojiweb-lane-secret" };
export const HTTPD_CONF = `${HTTPD_MAIN.serverRoot}/conf/httpd.conf`;

export const addressOf = (name: string): string => reference().hosts.find((h) => h.name === name)!.address;

export interface HubFarm {
  readonly c: ReturnType<typeof compiled>;
  readonly hub: NsHost;
  readonly db: NsHost;
  readonly pg: TestCluster;
  readonly dbConverge: ConvergeReport;
  readonly caPem: string;
  readonly pki: FarmPki;
  /** A unix socket out here reaching the hub's :443 at its fleet address. */
  readonly hubSocket: string;
  readonly apache: Apache;
  addressOf(host: string): string;
  /** A file as the hub host sees it (through its mount namespace). */
  hostPath(path: string): string;
  stop(): Promise<void>;
}

/** An executor whose commands run inside `host`'s namespaces: the agent's view of that host. */
export const inside = (host: NsHost, real: Executor = createExecutor()): Executor => ({
  run: (req) => real.run({ ...req, argv: host.argv(req.argv) as [string, ...string[]] }),
});

const accepts = (socket: string): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(socket, () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

/** Builds the farm under `dir` (which must be reachable by the apache user: 0755). */
export async function startHubFarm(dir: string, src: KojiSource): Promise<HubFarm> {
  const pki = await farmPki(dir);
  const crl = await RevocationList.open(pki.ca, pki.registry, () => new Date(), silentLogger());
  const c = compiled(reference(), { caCertPem: pki.ca.certificatePem, crlPem: crl.pem });
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    const db = await startNsHost(DB, { mount: false });
    stops.push(() => db.stop());
    const hub = await startNsHost(HUB, { mount: true });
    stops.push(() => hub.stop());
    await link(hub, addressOf(HUB), db, addressOf(DB));

    // PostgreSQL on the port the hub's DBPort names, listening where the role's settings say.
    const { DBPort } = c.ini(HUB, PATHS.hubConf, "hub");
    const pg = await startCluster({ port: Number(DBPort), listen: `127.0.0.1,${addressOf(DB)}`, wrap: db.argv });
    stops.push(() => pg.stop());
    await mkdir(join(dir, "db"));
    const resources = databaseRoleResources(c, DB, pg, join(dir, "db"), join(src.dir, "schemas", "schema.sql"));
    const dbConverge = await convergeDatabaseRole(resources, staticSecrets(SECRETS), [], inside(db));

    const layers = join(dir, "hub");
    await layHost(layers, c, HUB, { pki, src, secrets: SECRETS });
    await overlay(hub, layers, OVERLAID);
    const hostPath = (path: string) => join(`/proc/${hub.pid}/root`, path);
    // Packages and names: the hub's own package and hosts-entries resources, converged by the
    // real kinds inside its root (the packages through the lane's dnf stand-in, platform.ts).
    const base = engineOptions(hostPath("/"), { sandbox: false, exec: inside(hub) });
    const laid = await converge(["package:epel", "package:roles", NAMES_ID].map((id) => c.resource(HUB, id)), { ...base, facts: await readFacts(base.files, base.root) });
    if (laid.failed > 0) throw new Error(`the hub's packages and /etc/hosts did not converge: ${JSON.stringify(laid.results)}`);
    await hub.exec([APACHE2, "-t", "-f", HTTPD_CONF]);
    const hubSocket = join(dir, "hub-443.sock");
    const forwarder = await forward(hub, hubSocket, addressOf(HUB), 443);
    stops.push(() => forwarder.stop());
    const apache = await startApache(dir, HTTPD_CONF, 443, {
      wrap: hub.argv,
      pidFile: hostPath(`${HTTPD_MAIN.runDir}/apache2.pid`),
      logDir: hostPath("/var/log/httpd"),
      listening: () => accepts(hubSocket),
    });
    stops.push(() => apache.stop());
    return { c, hub, db, pg, dbConverge, caPem: pki.ca.certificatePem, pki, hubSocket, apache, addressOf, hostPath, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The hub's DBPass as its secret-file renders it on the host. */
export const renderedDbPass = (c: ReturnType<typeof compiled>): string =>
  parseIni(renderSecrets(String(c.resource(HUB, "secret-file:/etc/koji-hub/hub.conf.d/koji-fleet-secrets.conf").props.template), SECRETS)).hub!.DBPass!;

/** A test file's farm: the lane's preconditions checked, Koji's source unpacked, the farm built. */
export async function openHubFarm(tmp: (prefix: string) => Promise<string>): Promise<{ farm: HubFarm; src: KojiSource; dir: string }> {
  await requireDebianPackages();
  await requireNamespaces();
  const dir = await tmp("kf-koji-");
  await chmod(dir, 0o755); // the apache user reads the unpacked Koji through it
  const src = await kojiSource(join(dir, "src"));
  return { farm: await startHubFarm(dir, src), src, dir };
}

/** The koji CLI from the Koji source, run as root on the hub host with its rendered profile. */
export const kojiCli = (farm: HubFarm, ...args: string[]) =>
  farm.hub.exec([PYTHON3, PATHS.kojiBin, "-p", "mx-os-koji", ...args], { env: { PATH: process.env.PATH, HOME: "/root", LANG: "C.UTF-8" } });
