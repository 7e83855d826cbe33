// What the lane's test files do on the farm: the koji CLI, SQL on the hub's database, a
// person's certificate from the real `koji-fleet ca user`, HTTPS from a farm host.
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PATHS } from "../../controller/compile/farm.js";
import { DB, HUB, reference } from "../support/compiled-fleet.js";
import { unpackUserBundle, type Credential } from "../support/farm-pki.js";
import type { Farm, FarmHost } from "./farm.js";
import { PYTHON3 } from "./koji-source.js";

const run = promisify(execFile);
const CLI = fileURLToPath(new URL("../../bin/koji-fleet.js", import.meta.url));
const ROOT_ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", LANG: "C.UTF-8", HOME: "/root" };

export const fqdn = (host: string): string => `${host}.${reference().fleet.domain}`;

/** The koji CLI (the installed one, with Debian's python3) as root on `host` with the fleet's profile. */
export const koji = (h: FarmHost, ...args: string[]) => h.ns.exec([PYTHON3, PATHS.kojiBin, "-p", "mx-os-koji", ...args], { env: ROOT_ENV });

/** The koji-fleet CLI (this checkout's, built) as root on `host`, e.g. a packager's `sources upload`. */
export const kojiFleet = (h: FarmHost, ...args: string[]) => h.ns.exec([process.execPath, CLI, ...args], { env: { ...ROOT_ENV, NODE_OPTIONS: "" } });

/** One SQL statement on the database host as postgres (peer login on its socket); bare rows. */
export async function sql(farm: Farm, query: string, database = "koji"): Promise<string> {
  const { stdout } = await farm.host(DB).ns.exec(["runuser", "-u", "postgres", "--", "psql", "-X", "-qAt", "-d", database, "-c", query], { env: ROOT_ENV });
  return stdout;
}

/** A person's certificate made by `koji-fleet ca user`, written as one PEM (cert + key) on the hub host. */
export async function userCredential(farm: Farm, cn: string): Promise<{ credential: Credential; pemOnHub: string }> {
  const password = join(farm.dir, `${cn}.pass`);
  const out = join(farm.dir, `${cn}.p12`);
  await writeFile(password, "lane user password\n", { mode: 0o600 });
  await run(process.execPath, [CLI, "ca", "user", cn, "--password-file", password, "--out", out, "--org", reference().fleet.name, "--config", join(farm.dir, "controller.yaml")]);
  const credential = unpackUserBundle(await readFile(out), "lane user password", cn);
  const pemOnHub = `/root/${cn}.pem`;
  await writeFile(farm.host(HUB).path(pemOnHub), credential.cert + credential.key, { mode: 0o600 });
  return { credential, pemOnHub };
}

/** curl on a farm host: status, headers and (text) body, never throwing on an HTTP error status. */
export async function curl(h: FarmHost, url: string, opts: { cacert: string; cert?: string; extra?: string[] }): Promise<{ code: number; headers: string; body: string }> {
  const args = ["curl", "-sS", "-i", "--max-time", "20", "--cacert", opts.cacert, ...(opts.cert ? ["--cert", opts.cert] : []), ...(opts.extra ?? []), url];
  const { stdout } = await h.ns.exec(args, { env: ROOT_ENV });
  const end = stdout.indexOf("\r\n\r\n");
  const headers = end < 0 ? stdout : stdout.slice(0, end);
  const code = Number(/^HTTP\/[\d.]+ (\d+)/.exec(headers)?.[1] ?? 0);
  return { code, headers, body: end < 0 ? "" : stdout.slice(end + 4) };
}
