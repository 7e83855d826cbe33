// `koji-fleet ca revoke HOST` on a running farm, with no commit and no webhook: within a minute
// the controller republishes the CRL to every host whose httpd checks client certificates, the
// agents write it, and the nats-server the controller manages loses HOST's user.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caCommand } from "../cli/commands/ca.js";
import { readCrl } from "../controller/ca/revocation.js";
import { PATHS } from "../controller/compile/farm.js";
import { TestFleet } from "./support/fleet.js";
import { makeTmpDir, removeDir } from "./support/tmp.js";
import { waitFor } from "./support/wait.js";

const HUB = "cs10-koji-00";
const BUILDER = "cs10-koji-03";
const LOOKASIDE = "cs10-koji-04";
const agentUser = (host: string) => `CN=${host},OU=agents,O=koji-fleet`;

describe("ca revoke reaches httpd and nats-server without a commit", () => {
  let fleet: TestFleet;
  let dir: string;
  const natsConf = () => readFile(join(dir, "nats-server.conf"), "utf8").catch(() => "");
  const crlOn = (host: string) => readFile(join(fleet.root(host), PATHS.crl), "utf8").catch(() => null);

  beforeAll(async () => {
    dir = await makeTmpDir("kf-crl-refresh-");
    fleet = await TestFleet.start({
      controller: {
        natsServer: {
          configFile: join(dir, "nats-server.conf"),
          storeDir: join(dir, "jetstream"),
          tls: { certFile: "/etc/pki/koji-fleet/nats.crt", keyFile: "/etc/pki/koji-fleet/nats.key", caFile: "/etc/pki/koji-fleet/ca.crt" },
          reload: ["/bin/true"],
        },
      },
    });
    await fleet.waitReady((await fleet.remote.git("rev-parse", "HEAD")).trim());
  }, 60_000);
  afterAll(async () => {
    await fleet?.stop();
    if (dir) await removeDir(dir);
  });

  it("before: the httpd hosts hold an empty CRL, the builder none, and the builder has its NATS user", async () => {
    for (const host of [HUB, LOOKASIDE]) expect(readCrl((await crlOn(host))!).serials).toEqual([]);
    expect(await crlOn(BUILDER)).toBeNull();
    await waitFor(async () => (await natsConf()).includes(agentUser(BUILDER)), { timeoutMs: 10_000, message: "the builder's NATS user" });
  });

  it("within a minute of `ca revoke`, the hub's and the lookaside's CRL list the builder's kojid certificate", async () => {
    const kojid = new X509Certificate(readFileSync(join(fleet.root(BUILDER), "etc/pki/koji/certs/kojid.crt")));
    const serial = kojid.serialNumber.toLowerCase().replace(/^0+/, "");
    const { file } = await fleet.writeControllerConfig("revoke");
    const revokedAt = Date.now();
    expect(await caCommand.run(["revoke", BUILDER, "--config", file])).toBe(0);

    for (const host of [HUB, LOOKASIDE]) {
      await waitFor(async () => {
        const pem = await crlOn(host);
        return pem !== null && readCrl(pem).serials.includes(serial);
      }, { timeoutMs: 60_000 - (Date.now() - revokedAt), message: `${host}'s CRL listing ${serial}` });
    }
    await waitFor(async () => !(await natsConf()).includes(agentUser(BUILDER)), { timeoutMs: 60_000 - (Date.now() - revokedAt), message: "the builder's NATS user gone" });
    expect(Date.now() - revokedAt).toBeLessThan(60_000);
    expect(await crlOn(BUILDER)).toBeNull();
  }, 90_000);
});
