// Enrollment: a host with a one-time token gets its identity; everything else is refused.
import { createPrivateKey, X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { TestFleet } from "./support/fleet.js";
import { waitFor } from "./support/wait.js";
import { TokenStore, tokenFile } from "../controller/ca/tokens.js";
import { createCsr, generateKeyPem } from "../agent/csr.js";
import { identityFiles } from "../agent/enroll.js";
import { ENROLL_SUBJECT } from "../shared/names.js";
import type { FleetEvent } from "../shared/protocol.js";

describe("enrollment", () => {
  let fleet: TestFleet;
  let tokens: TokenStore;
  let nc: NatsConnection;

  beforeAll(async () => {
    fleet = await TestFleet.start({ startAgents: false });
    // The first rollout follows the bring-up order: the database's catalog goes first.
    await waitFor(() => fleet.controller.fleet.desired.has("cs10-koji-01"), { message: "the database's catalog published" });
    tokens = new TokenStore(tokenFile(join(fleet.dir, "controller")));
    nc = await connect({ servers: fleet.nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await fleet?.stop();
  });

  const ask = async (host: string, token: string, csrName = host) => {
    const csr = createCsr(createPrivateKey(await generateKeyPem()), [["CN", csrName]]);
    return (await nc.request(ENROLL_SUBJECT, JSON.stringify({ host, token, csr }), { timeout: 5_000 })).json<{ ok: boolean; error?: string }>();
  };

  it("an agent with a valid token enrolls on first start: its own key (EC P-256), a client certificate for its name, the pinned catalog key; then it converges", async () => {
    const host = "cs10-koji-01";
    const dir = join(fleet.dir, "enroll", host);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(join(dir, "token"), await tokens.create(host, 3600));
    fleet.startAgent(host, { catalogKeyFile: join(dir, "catalog.pub"), identityDir: join(dir, "identity"), enrollment: { tokenFile: join(dir, "token") } });
    await fleet.waitReady((await fleet.remote.git("rev-parse", "HEAD")).trim(), [host]);

    const files = identityFiles(join(dir, "identity"));
    expect(fs.statSync(files.key).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(fs.readFileSync(files.cert));
    expect(cert.subject).toBe("O=koji-fleet\nOU=agents\nCN=cs10-koji-01");
    expect(cert.checkPrivateKey(createPrivateKey(fs.readFileSync(files.key)))).toBe(true);
    // EC P-256: generated in well under a millisecond (RSA-2048 took seconds for a farm's hosts on one loaded machine).
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(cert.verify(new X509Certificate(fs.readFileSync(files.ca)).publicKey)).toBe(true);
    expect(fs.readFileSync(join(dir, "catalog.pub"), "utf8")).toBe(fleet.controller.catalogPublicKeyPem);
    expect(fs.existsSync(join(dir, "token"))).toBe(false);
  });

  const refusals: [string, () => Promise<{ host: string; token: string; csrName?: string }>, string][] = [
    ["the same token a second time", async () => {
      const token = await tokens.create("cs10-koji-04", 3600);
      expect((await ask("cs10-koji-04", token)).ok).toBe(true);
      return { host: "cs10-koji-04", token };
    }, "token already used at"],
    ["an expired token", async () => ({ host: "cs10-koji-01", token: await tokens.create("cs10-koji-01", 60, new Date(Date.now() - 120_000)) }), "token expired at"],
    ["a token for another host", async () => ({ host: "cs10-koji-02", token: await tokens.create("cs10-koji-00", 3600) }), "token is for host cs10-koji-00, not cs10-koji-02"],
    ["a CSR naming another host", async () => ({ host: "cs10-koji-02", token: await tokens.create("cs10-koji-02", 3600), csrName: "cs10-koji-00" }), "the CSR names cs10-koji-00, not cs10-koji-02"],
    ["a host that is not in git", async () => ({ host: "rogue-01", token: await tokens.create("rogue-01", 3600) }), "host rogue-01 is not in the fleet's git configuration"],
    ["an unknown token", async () => ({ host: "cs10-koji-02", token: "kft_guessed" }), "unknown token"],
  ];

  it.each(refusals)("%s → refused with the reason, and a security event", async (_name, make, reason) => {
    const { host, token, csrName } = await make();
    const reply = await ask(host, token, csrName);
    expect(reply).toEqual({ ok: false, error: expect.stringContaining(`enrollment of ${host} refused: ${reason}`) });
    const events = await waitFor(async () => {
      const e = (await fleet.api<{ events: FleetEvent[] }>("/api/v1/events?type=security")).events;
      return e.some((x) => x.message.includes(reason)) ? e : false;
    });
    expect(events.at(-1)?.host).toBe(host);
  });
});
