// The real Koji hub on what the roles render (issue 18, step 1): Koji's schema.sql loaded by the
// database role as converged by the agent's engine, and kojihub under Debian's apache2 +
// mod_wsgi on the hub's rendered hub.conf, ssl.conf vhost, certificates and client profile, at
// the fleet's addresses in namespaces of their own. How it is built: hub-farm.ts.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:http";
import { connect } from "node:net";
import { connect as tlsConnect, rootCertificates } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeResponse, encodeCall, type XmlRpcValue } from "../../controller/koji/xmlrpc.js";
import { PATHS } from "../../controller/compile/farm.js";
import { DB, HUB } from "../../controller/compile/testing.js";
import { useTmpDirs } from "../support/tmp.js";
import { DB_PASSWORD, kojiCli, openHubFarm, renderedDbPass, type HubFarm } from "./hub-farm.js";
import type { KojiSource } from "./koji-source.js";

const tmp = useTmpDirs();
let farm: HubFarm;
let src: KojiSource;
let dir: string;

/** One XML-RPC call to the hub's vhost as a client on the farm network would make it. */
function hubCall(method: string, params: XmlRpcValue[] = [], ca = farm.caPem): Promise<XmlRpcValue> {
  const server = new URL(farm.c.ini(HUB, `${PATHS.clientConfD}/mx-os-koji.conf`, "mx-os-koji").server!);
  const fqdn = server.hostname;
  const body = encodeCall(method, params);
  return new Promise((resolve, reject) => {
    // TLS to the hub's name over the forwarded socket: tls.connect verifies the chain and the name.
    const tlsTo = () => tlsConnect({ socket: connect(farm.hubSocket), servername: fqdn, ca });
    const req = request(
      { method: "POST", path: server.pathname, headers: { host: fqdn, "content-type": "text/xml", "content-length": Buffer.byteLength(body) }, createConnection: tlsTo },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          try {
            if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text}`);
            resolve(decodeResponse(text, method));
          } catch (err) {
            reject(err as Error);
          }
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const koji = (...args: string[]) => kojiCli(farm, ...args);

/** psql from the hub host's address, by the name hub.conf gives (its private /etc/hosts). */
const psqlFrom = (where: typeof farm.hub, host: string, password: string) =>
  where.exec(["psql", "-X", "-w", "-A", "-t", "-h", host, "-p", "5432", "-U", "koji", "-d", "koji", "-c", "SELECT current_user"], {
    env: { PATH: process.env.PATH, PGPASSWORD: password, PGSSLMODE: "disable", PGCONNECT_TIMEOUT: "5" },
  }).then((r) => r.stdout.trim(), (err: Error) => `refused: ${err.message}`);

beforeAll(async () => {
  ({ farm, src, dir } = await openHubFarm(tmp));
}, 240_000);
afterAll(async () => {
  await farm?.stop();
});

describe(`real Koji hub on the rendered hub (${HUB}) and database (${DB})`, () => {
  it("the database role loads Koji's schema.sql: every table owned by koji, the admin bootstrapped", () => {
    expect(farm.dbConverge.results.filter((r) => r.outcome === "failed").map((r) => `${r.id}: ${r.error}`)).toEqual([]);
    // As many tables as the schema.sql of this Koji creates (68 for 1.35.3).
    const created = (readFileSync(join(src.dir, "schemas", "schema.sql"), "utf8").match(/^CREATE TABLE/gim) ?? []).length;
    expect(created).toBeGreaterThan(50);
    expect(farm.pg.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", "koji")).toBe(`${created}\n`);
    expect(farm.pg.sql("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'", "koji")).toBe("koji\n");
    expect(farm.pg.sql("SELECT u.name || ' ' || p.name FROM user_perms up JOIN users u ON u.id = up.user_id JOIN permissions p ON p.id = up.perm_id", "koji")).toBe("kojiadmin admin\n");
  });

  it("the hub's rendered DB settings log in from the hub's address; a wrong password and another address are refused", async () => {
    const { DBHost, DBUser, DBName } = farm.c.ini(HUB, PATHS.hubConf, "hub");
    expect([DBUser, DBName]).toEqual(["koji", "koji"]);
    const pass = renderedDbPass(farm.c);
    expect(pass).toBe(DB_PASSWORD);
    expect(await psqlFrom(farm.hub, DBHost!, pass)).toBe("koji");
    expect(await psqlFrom(farm.hub, DBHost!, "wrong")).toMatch(/refused: .*password authentication failed/);
    // From the database host's own farm address (not the hub's): pg_hba has no rule for it.
    expect(await psqlFrom(farm.db, farm.addressOf(DB), pass)).toMatch(/refused: .*no pg_hba.conf entry/);
  });

  it("the hub answers hello, getAPIVersion and getKojiVersion over the rendered vhost, verifying the fleet CA", async () => {
    expect(await hubCall("hello")).toMatch(/Hello World/);
    expect(await hubCall("getAPIVersion")).toBe(1);
    expect(await hubCall("getKojiVersion")).toBe(src.version);
  });

  it("a hub certificate from another CA is not trusted", async () => {
    const other = rootCertificates.join("\n");
    await expect(hubCall("hello", [], other)).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
  });

  it("koji moshimoshi with the rendered profile logs in as the admin with its certificate", async () => {
    const { stdout } = await koji("moshimoshi");
    expect(stdout).toMatch(/kojiadmin!/);
    expect(stdout).toContain(`Authenticated via client certificate ${PATHS.adminPem}`);
    expect(stdout).toContain(`You are using the hub at https://${HUB}.mx-os/kojihub (Koji ${src.version})`);
  });

  it("a person's certificate (koji-fleet ca user) logs in as its CN, created on first login, without admin", async () => {
    // The reference admin's OU and CN are both kojiadmin; a user's OU is "users": this tells
    // DNUsernameComponent = CN apart from OU.
    const alice = farm.pki.user("alice");
    const pem = join(dir, "alice.pem");
    writeFileSync(pem, alice.cert + alice.key, { mode: 0o600 });
    expect((await koji("--cert", pem, "moshimoshi")).stdout).toMatch(/, alice!/);
    expect(farm.pg.sql("SELECT name FROM users WHERE name IN ('alice', 'users')", "koji")).toBe("alice\n");
    const perms = (await koji("--cert", pem, "list-permissions", "--mine")).stdout.split("\n").map((l) => l.trim());
    expect(perms[0]).toMatch(/^Permission name/);
    expect(perms).not.toContain("admin");
  });

  it("list-permissions --mine shows admin", async () => {
    const { stdout } = await koji("list-permissions", "--mine");
    expect(stdout.split("\n").map((l) => l.trim())).toContain("admin");
  });
});
