// The controller keeps nats-server's authorization in step with git and the CA: one mTLS user
// per host, none for a revoked host, and the reload command runs only when the file changed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { TestFleet, HOSTS } from "./support/fleet.js";
import { makeTmpDir, removeDir } from "./support/tmp.js";
import { waitFor } from "./support/wait.js";
import { CaRegistry } from "../controller/ca/registry.js";
import type { IssuedCertificate } from "../controller/ca/authority.js";

const userOf = (host: string) => `CN=${host},OU=agents,O=koji-fleet`;

describe("nats-server authorization kept by the controller", () => {
  let fleet: TestFleet;
  let dir: string;
  const configFile = () => join(dir, "nats-server.conf");
  const reloads = async () => (await readFile(join(dir, "reloads"), "utf8").catch(() => "")).split("\n").filter(Boolean).length;

  beforeAll(async () => {
    dir = await makeTmpDir("kf-nats-auth-");
    fleet = await TestFleet.start({
      startAgents: false,
      controller: {
        natsServer: {
          configFile: join(dir, "nats-server.conf"),
          storeDir: join(dir, "jetstream"),
          tls: { certFile: "/etc/pki/koji-fleet/nats.crt", keyFile: "/etc/pki/koji-fleet/nats.key", caFile: "/etc/pki/koji-fleet/ca.crt" },
          // A real process stands in for `systemctl reload nats-server`: it counts its runs.
          reload: [process.execPath, "-e", "require('fs').appendFileSync(process.argv[1], 'reload\\n')", join(dir, "reloads")],
        },
      },
    });
  });
  afterAll(async () => {
    await fleet?.stop();
    if (dir) await removeDir(dir);
  });

  it("writes one verify_and_map user per host in git and reloads once", async () => {
    await waitFor(async () => (await reloads()) === 1, { timeoutMs: 20_000, message: "first reload" });
    const text = await readFile(configFile(), "utf8");
    for (const host of HOSTS) expect(text).toContain(`"${userOf(host)}"`);
    expect(text).toMatch(/verify_and_map:\s*true/);
    expect(text).toContain(`"CN=controller,OU=controller,O=koji-fleet"`);
  });

  it("an unchanged fleet rewrites nothing and does not reload", async () => {
    const before = await readFile(configFile(), "utf8");
    await fleet.hook();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await reloads()).toBe(1);
    expect(await readFile(configFile(), "utf8")).toBe(before);
  });

  it("a revoked host loses its user on the next sync, and the server is reloaded", async () => {
    const registry = new CaRegistry(join(fleet.dir, "ca"));
    await registry.record("cs10-koji-03", "agent", { serial: "0a1b", subject: userOf("cs10-koji-03"), notAfter: new Date(Date.now() + 86_400_000) } as IssuedCertificate);
    await registry.revokeHost("cs10-koji-03");
    await fleet.hook();
    await waitFor(async () => (await reloads()) === 2, { timeoutMs: 20_000, message: "second reload" });
    const text = await readFile(configFile(), "utf8");
    expect(text).not.toContain(userOf("cs10-koji-03"));
    for (const host of HOSTS.filter((h) => h !== "cs10-koji-03")) expect(text).toContain(`"${userOf(host)}"`);
  });
});
