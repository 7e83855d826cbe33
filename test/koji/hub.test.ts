// Assertions 2 and 3 of issue 18, on the hub its agent converged: the hub answers over the
// rendered vhost to a client on the farm network that verifies the fleet CA (and not to one
// trusting another CA); the rendered client profile with the admin's certificate logs in as
// the admin; a person's certificate from `koji-fleet ca user` logs in as its CN.
import { describe, expect, inject, it } from "vitest";
import { PATHS } from "../../controller/compile/farm.js";
import { decodeResponse, encodeCall } from "../../shared/koji/xmlrpc-codec.js";
import { BUILDER, HUB } from "../support/compiled-fleet.js";
import { attachFarm } from "./farm.js";
import { curl, fqdn, koji, sql, userCredential } from "./lane.js";

const farm = attachFarm(inject("farm"));
const hub = farm.host(HUB);
const builder = farm.host(BUILDER);
const hubUrl = `https://${fqdn(HUB)}/kojihub`;

/** An XML-RPC call from the builder host with curl, trusting `cacert`. */
const callFromBuilder = (method: string, cacert: string) => curl(builder, hubUrl, { cacert, extra: ["-H", "Content-Type: text/xml", "--data-binary", encodeCall(method, [])] });

describe(`the real Koji hub on ${HUB}, as its agent converged it`, () => {
  it("answers hello, getAPIVersion and getKojiVersion through the rendered vhost to a client verifying the fleet CA", async () => {
    const hello = await callFromBuilder("hello", PATHS.caCert);
    expect(hello.code).toBe(200);
    expect(decodeResponse(hello.body)).toMatch(/Hello World/);
    expect(decodeResponse((await callFromBuilder("getAPIVersion", PATHS.caCert)).body)).toBe(1);
    expect(decodeResponse((await callFromBuilder("getKojiVersion", PATHS.caCert)).body)).toBe(farm.src.version);
    // The same calls with Koji's own client library, through the rendered profile.
    expect(JSON.parse((await koji(hub, "call", "--json-output", "getKojiVersion")).stdout)).toBe(farm.src.version);
  });

  it("a client trusting only the public CAs refuses the hub's certificate", async () => {
    // Debian's public CAs, as the update-ca-trust stand-in keeps them (on the farm hosts,
    // /etc/ssl/certs is EL's link to the extracted bundle, which holds the fleet CA too).
    await expect(callFromBuilder("hello", "/usr/lib/koji-lane/ca-certificates.crt")).rejects.toThrow(/SSL certificate problem|unable to get local issuer/i);
  });

  it("koji moshimoshi with the rendered profile logs in as the admin with its certificate; list-permissions --mine shows admin", async () => {
    const { stdout } = await koji(hub, "moshimoshi");
    expect(stdout).toMatch(/kojiadmin!/);
    expect(stdout).toContain(`Authenticated via client certificate ${PATHS.adminPem}`);
    expect(stdout).toContain(`You are using the hub at ${hubUrl} (Koji ${farm.src.version})`);
    expect((await koji(hub, "list-permissions", "--mine")).stdout.split("\n").map((l) => l.trim())).toContain("admin");
  });

  it("a person's certificate (koji-fleet ca user) logs in as its CN, created on first login, without admin", async () => {
    // The admin's OU and CN are both kojiadmin; a person's OU is "users": this tells
    // DNUsernameComponent = CN apart from OU.
    const { pemOnHub } = await userCredential(farm, "alice");
    expect((await koji(hub, "--cert", pemOnHub, "moshimoshi")).stdout).toMatch(/, alice!/);
    expect(await sql(farm, "SELECT name FROM users WHERE name IN ('alice', 'users')")).toBe("alice\n");
    const perms = (await koji(hub, "--cert", pemOnHub, "list-permissions", "--mine")).stdout.split("\n").map((l) => l.trim());
    expect(perms[0]).toMatch(/^Permission name/);
    expect(perms).not.toContain("admin");
  });
});
