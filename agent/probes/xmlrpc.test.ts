// The xmlrpc probe against the fake Koji hub on a real HTTPS port with a private CA.
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor } from "../providers/executor.js";
import { createFiles } from "../providers/files.js";
import { runProbes } from "./index.js";
import { includes } from "./xmlrpc.js";
import { FakeKojiHub, type FakeKojiHubOptions } from "../../test/support/fake-koji-hub.js";
import { PROBE_PKI as PKI, writeProbePki } from "../../test/support/fake-koji-pki.js";

let root: string;
const hubs: FakeKojiHub[] = [];
const outputs: string[] = [];
let hub: FakeKojiHub;

beforeAll(async () => {
  root = fs.mkdtempSync(join(tmpdir(), "kf-xmlrpc-probe-"));
  hub = await start();
  await writeProbePki(root, hub.trust);
});
afterAll(async () => {
  // No session key ever reaches an output, whatever the test.
  for (const key of hubs.flatMap((h) => h.keys)) for (const out of outputs) expect(out).not.toContain(key);
  await Promise.all(hubs.map((h) => h.close()));
  fs.rmSync(root, { recursive: true, force: true });
});

/** A hub with kojira, kojiweb and three builders: up to date, silent for an hour, disabled. */
async function start(opts?: FakeKojiHubOptions): Promise<FakeKojiHub> {
  const h = await FakeKojiHub.start({ pages: { "/broken": "<html>Internal Server Error</html>" }, ...opts });
  hubs.push(h);
  h.addUser("kojira", ["repo"]);
  h.addUser("kojiweb");
  h.addHost("builder1", "x86_64", { ready: true });
  h.addHost("builder2", "aarch64", { ready: true });
  h.addHost("builder3", "x86_64", { enabled: false });
  checkIns(h);
  return h;
}
/** kojid's last check-ins, as of now. */
function checkIns(h: FakeKojiHub) {
  const now = Date.now() / 1000;
  for (const [name, age] of [["builder1", 5], ["builder2", 3600], ["builder3", 5]] as const) h.hosts.get(name)!.updateTs = now - age;
}

async function check(props: Record<string, unknown>) {
  const [r] = await runProbes([{ id: "p", kind: "xmlrpc", props }], { root, files: createFiles(), exec: createExecutor(), previous: [] });
  outputs.push(r!.output);
  return { healthy: r!.healthy, output: r!.output };
}
const admin = { caFile: PKI.ca, clientCert: { pemFile: PKI.adminPem }, sslLogin: true };

describe("xmlrpc probe: anonymous calls", () => {
  it("getAPIVersion → 1 is healthy", async () => {
    expect(await check({ url: `${hub.origin}/kojihub`, method: "getAPIVersion", expect: 1, caFile: PKI.ca })).toEqual({ healthy: true, output: "getAPIVersion → 1" });
    const req = hub.requests.at(-1)!;
    expect(req).toMatchObject({ method: "POST", path: "/kojihub", query: "", headers: { "content-type": "text/xml" } });
    expect(req.body).toBe('<?xml version="1.0"?>\n<methodCall><methodName>getAPIVersion</methodName><params></params></methodCall>\n');
  });

  it("a different answer → unhealthy, says what came back", async () => {
    expect(await check({ url: `${hub.origin}/kojihub`, method: "getAPIVersion", expect: 2, caFile: PKI.ca })).toEqual({ healthy: false, output: "getAPIVersion: returned 1, expected 2" });
  });

  it("a fault → unhealthy with its faultString", async () => {
    expect(await check({ url: `${hub.origin}/kojihub`, method: "getUserPerms", params: ["nobody"], caFile: PKI.ca })).toEqual({
      healthy: false,
      output: `getUserPerms at ${hub.origin}/kojihub: Koji fault 1000: No such user: 'nobody'`,
    });
    const offline = await start({ offline: true });
    expect(await check({ url: `${offline.origin}/kojihub`, method: "getAPIVersion", caFile: PKI.ca })).toEqual({ healthy: false, output: `getAPIVersion at ${offline.origin}/kojihub: Koji fault 1014: database outage` });
  });

  it("getUserPerms('kojira') includes repo; kojiweb's empty list does not", async () => {
    const perms = (user: string) => ({ url: `${hub.origin}/kojihub`, method: "getUserPerms", params: [user], expectIncludes: ["repo"], caFile: PKI.ca });
    expect(await check(perms("kojira"))).toEqual({ healthy: true, output: 'getUserPerms → ["repo"]' });
    expect(await check(perms("kojiweb"))).toEqual({ healthy: false, output: 'getUserPerms: returned [], which lacks ["repo"]' });
  });

  it("getHost: enabled, ready and a fresh update_ts; stale, disabled or unknown hosts are unhealthy", async () => {
    checkIns(hub);
    const host = (name: string) => ({ url: `${hub.origin}/kojihub`, method: "getHost", params: [name], expectIncludes: { enabled: true, ready: true }, fresh: { field: "update_ts", maxAgeSeconds: 60 }, caFile: PKI.ca });
    expect(await check(host("builder1"))).toMatchObject({ healthy: true, output: expect.stringMatching(/^getHost → \{"id":\d+,"user_id":\d+,"name":"builder1",/) });
    expect(await check(host("builder2"))).toMatchObject({ healthy: false, output: expect.stringMatching(/^getHost: update_ts is 360\d s old \(limit 60 s\): /) });
    expect(await check(host("builder3"))).toMatchObject({ healthy: false, output: expect.stringMatching(/^getHost: returned .*"enabled":false.*, which lacks \{"enabled":true,"ready":true\}$/) });
    expect(await check(host("nosuch"))).toEqual({ healthy: false, output: 'getHost: returned null, which lacks {"enabled":true,"ready":true}' });
  });

  it("listHosts with kwargs sends Koji's __starstar struct; resultMatches reads the JSON", async () => {
    const r = await check({ url: `${hub.origin}/kojihub`, method: "listHosts", kwargs: { enabled: true, ready: true }, expectIncludes: [{ name: "builder1" }], resultMatches: '"name":"builder2"', caFile: PKI.ca });
    expect(r.healthy).toBe(true);
    expect(hub.requests.at(-1)!.body).toContain("<member><name>__starstar</name><value><boolean>1</boolean></value></member>");
    const none = await check({ url: `${hub.origin}/kojihub`, method: "listHosts", kwargs: { enabled: true }, resultMatches: '"name":"builder3"', caFile: PKI.ca });
    expect(none.output).toMatch(/^listHosts: returned \[\{"id":\d+,.*"name":"builder1".*…, which does not match \/"name":"builder3"\/$/);
  });

  it("not XML-RPC, HTTP errors, unreachable hub", async () => {
    expect(await check({ url: `${hub.origin}/broken`, method: "getAPIVersion", caFile: PKI.ca })).toEqual({
      healthy: false,
      output: `getAPIVersion at ${hub.origin}/broken: not an XML-RPC answer (expected <methodResponse>, got <html>): <html>Internal Server Error</html>`,
    });
    expect(await check({ url: `${hub.origin}/nothing`, method: "getAPIVersion", caFile: PKI.ca })).toEqual({
      healthy: false,
      output: `getAPIVersion at ${hub.origin}/nothing: HTTP 404 Not Found (is this the XML-RPC endpoint, e.g. https://hub/kojihub?): Not Found`,
    });
    expect(await check({ url: "https://127.0.0.1:1/kojihub", method: "getAPIVersion" })).toEqual({ healthy: false, output: "getAPIVersion at https://127.0.0.1:1/kojihub: connect ECONNREFUSED 127.0.0.1:1" });
  });

  it("only read methods: a write call is refused by the schema, never sent", async () => {
    const before = hub.requests.length;
    for (const method of ["deleteBuild", "sslLogin", "logout", "grantPermission", "repo.request"]) {
      expect((await check({ url: `${hub.origin}/kojihub`, method, caFile: PKI.ca })).output).toMatch(/^invalid props: \/method must match pattern/);
    }
    expect(hub.requests.length).toBe(before);
  });
});

describe("xmlrpc probe: sslLogin with the admin certificate", () => {
  it("logs in over TLS 1.2, calls with the session in headers, then logs out", async () => {
    const r = await check({ url: `${hub.origin}/kojihub`, method: "getLoggedInUser", expectIncludes: { name: "kojiadmin" }, ...admin });
    expect(r).toEqual({ healthy: true, output: 'getLoggedInUser (after sslLogin) → {"id":1,"name":"kojiadmin","status":0,"usertype":0,"krb_principals":[],"authtype":2,"krb_principal":null}' });
    const [login, call, logout] = hub.requests.slice(-3);
    expect(login).toMatchObject({ path: "/kojihub/ssllogin", tls: "TLSv1.2" });
    expect(login!.body).toContain("<methodName>sslLogin</methodName>");
    const key = hub.keys.at(-1)!;
    expect(call).toMatchObject({ path: "/kojihub", query: "", headers: { "koji-session-key": key, "koji-session-callnum": "0" } });
    expect(logout).toMatchObject({ headers: { "koji-session-callnum": "1" } });
    expect(logout!.body).toContain("<methodName>logout</methodName>");
    expect(hub.loggedOut).toContain(Number(call!.headers["koji-session-id"]));
  });

  it("an old hub (no header-auth) gets the session in the query string", async () => {
    const old = await start({ headerAuth: false });
    expect(await check({ url: `${old.origin}/kojihub`, method: "getLoggedInUser", expectIncludes: { name: "kojiadmin" }, ...admin })).toMatchObject({ healthy: true });
    const call = old.requests.at(-2)!;
    expect(new URLSearchParams(call.query).get("session-key")).toBe(old.keys.at(-1));
    expect(new URLSearchParams(call.query).get("callnum")).toBe("0");
  });

  it("httpd asking for the cert per location: TLS 1.2 (the default) logs in, TLS 1.3 gets 403 with a hint", async () => {
    const strict = await start({ perLocationClientAuth: true });
    const props = { url: `${strict.origin}/kojihub`, method: "getLoggedInUser", expectIncludes: { name: "kojiadmin" }, ...admin };
    expect(await check(props)).toMatchObject({ healthy: true });
    expect(await check({ ...props, tlsMaxVersion: "TLSv1.3" })).toEqual({
      healthy: false,
      output: `Koji login as kojiadmin failed: sslLogin at ${strict.origin}/kojihub/ssllogin: HTTP 403 Forbidden (over TLS 1.3: a hub asking for the cert per location needs tlsMaxVersion TLSv1.2): Forbidden: You don't have permission to access this resource.`,
    });
  });

  it("a certificate from another CA is refused by the hub: AuthError", async () => {
    expect(await check({ url: `${hub.origin}/kojihub`, method: "getLoggedInUser", caFile: PKI.ca, clientCert: { pemFile: PKI.strangerPem }, sslLogin: true })).toEqual({
      healthy: false,
      output: `Koji login as kojiadmin failed: sslLogin at ${hub.origin}/kojihub/ssllogin: Koji fault 1002: could not verify client: UNABLE_TO_VERIFY_LEAF_SIGNATURE`,
    });
  });

  it("without a client cert the probe says so before calling", async () => {
    expect(await check({ url: `${hub.origin}/kojihub`, method: "getLoggedInUser", caFile: PKI.ca, sslLogin: true })).toEqual({ healthy: false, output: "getLoggedInUser (after sslLogin): sslLogin needs an https url and a clientCert" });
  });
});

describe("includes: what expectIncludes means", () => {
  it.each<[string, unknown, unknown, boolean]>([
    ["array element present", ["admin", "repo"], ["repo"], true],
    ["array element absent", ["admin"], ["repo"], false],
    ["struct subset", { enabled: true, ready: true, id: 2 }, { enabled: true }, true],
    ["struct value differs", { enabled: false }, { enabled: true }, false],
    ["nested: a struct inside an array", [{ name: "b1", ready: true }], [{ name: "b1" }], true],
    ["type mismatch", "repo", ["repo"], false],
    ["null wants null", null, null, true],
  ])("%s", (_name, got, want, ok) => {
    expect(includes(got, want)).toBe(ok);
  });
});
