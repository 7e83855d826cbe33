// KojiSession (and the one XML-RPC POST under it) against the fake hub over real HTTPS: private
// CA, client certificates, httpd asking for them inside <Location /kojihub/ssllogin>.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FleetError } from "../errors.js";
import { FakeKojiHub } from "../../test/support/fake-koji-hub.js";
import { makeTmpDir, removeDir } from "../../test/support/tmp.js";
import { credentialFiles } from "./credentials.js";
import { KojiSession, type KojiSessionOptions } from "./session.js";
import { KojiFault } from "./xmlrpc-codec.js";
import { xmlrpcPost } from "./xmlrpc-post.js";

let hub: FakeKojiHub;
let adminPem: string;
beforeAll(async () => {
  hub = await FakeKojiHub.start({ perLocationClientAuth: true });
  adminPem = await hub.clientPem("kojiadmin");
});
afterAll(() => hub?.close());

type Extra = Partial<Omit<KojiSessionOptions, "credentials">> & { connect?: () => Socket };
const session = (certFile?: string, extra: Extra = {}) =>
  new KojiSession({ hubUrl: hub.url, credentials: credentialFiles({ caFile: hub.caFile, certFile }), requirePermission: "admin", ...extra });
const callsSince = (n: number) => hub.calls.slice(n);
const rejection = async (p: Promise<unknown>): Promise<Error> => {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
};

describe("KojiSession", () => {
  it("GET /kojihub → 405, as the real hub answers anything but POST", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      request(hub.url, { ca: readFileSync(hub.caFile, "utf8") }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on("error", reject)
        .end();
    });
    expect(status).toBe(405);
  });

  it("reads work anonymously, without any certificate", async () => {
    const from = hub.calls.length;
    await expect(session().call("getUser", "kojiadmin")).resolves.toMatchObject({ name: "kojiadmin", usertype: 0 });
    expect(callsSince(from)).toMatchObject([{ method: "getUser", user: null, sessionVia: null }]);
  });

  it("sslLogin: POST /kojihub/ssllogin over TLS 1.2 with the admin certificate, proxyuser=None as koji's client sends it; then Koji-Session-* headers with callnum 0, 1, …", async () => {
    const from = hub.calls.length;
    const requestsFrom = hub.requests.length;
    const s = session(adminPem);
    await s.sslLogin();
    expect(s.loggedIn).toBe(true);
    await s.call("getUser", "kojira");
    await s.logout();
    expect(callsSince(from).map(({ method, path, tls, user, sessionVia }) => ({ method, path, tls, user, sessionVia }))).toEqual([
      { method: "sslLogin", path: "/kojihub/ssllogin", tls: "TLSv1.2", user: null, sessionVia: null },
      { method: "getUserPerms", path: "/kojihub", tls: "TLSv1.3", user: "kojiadmin", sessionVia: "header" },
      { method: "getUser", path: "/kojihub", tls: "TLSv1.3", user: "kojiadmin", sessionVia: "header" },
      { method: "logout", path: "/kojihub", tls: "TLSv1.3", user: "kojiadmin", sessionVia: "header" },
    ]);
    expect(hub.calls[from]?.params).toEqual([{ proxyuser: null, __starstar: true }]);
    expect(hub.requests.slice(requestsFrom + 1).map((r) => [r.headers["koji-session-callnum"], r.query])).toEqual([["0", ""], ["1", ""], ["2", ""]]);
    expect(hub.openSessions).toBe(0);
  });

  it("a hub without header-auth (older than 1.30) gets session-id, session-key and callnum in the URL query (and the headers, as koji's client sends both)", async () => {
    const old = await FakeKojiHub.start({ headerAuth: false });
    try {
      const s = new KojiSession({ hubUrl: old.url, credentials: credentialFiles({ caFile: old.caFile, certFile: await old.clientPem("kojiadmin") }), requirePermission: "admin" });
      await s.sslLogin();
      await s.call("getUser", "kojira");
      expect(old.calls.slice(1).map((c) => [c.method, c.sessionVia, c.user])).toEqual([
        ["getUserPerms", "query", "kojiadmin"],
        ["getUser", "query", "kojiadmin"],
      ]);
      const last = old.requests.at(-1)!;
      expect(Object.fromEntries(new URLSearchParams(last.query))).toEqual({ "session-id": last.headers["koji-session-id"], "session-key": old.keys.at(-1), callnum: "1" });
      expect(last.headers["koji-session-callnum"]).toBe("1");
    } finally {
      await old.close();
    }
  });

  it("a certificate whose user lacks admin → login refused with a clear error, and the session is closed", async () => {
    const err = await rejection(session(await hub.clientPem("bob")).sslLogin());
    expect(err).toBeInstanceOf(FleetError);
    expect((err as FleetError).code).toBe("KF_ERR_FORBIDDEN");
    expect(err.message).toMatch(/^Koji login as bob succeeded but that user lacks the 'admin' permission \(has: none\); .*koji grant-permission admin bob/);
    expect(hub.openSessions).toBe(0);
  });

  it("a certificate from another CA → httpd's 403 on /ssllogin, reported with a hint", async () => {
    const other = await FakeKojiHub.start({ privateCa: true });
    try {
      const err = await rejection(session(await other.clientPem("kojiadmin")).sslLogin());
      expect((err as FleetError).code).toBe("KF_ERR_FORBIDDEN");
      expect(err.message).toMatch(
        /^Koji login as kojiadmin failed: sslLogin at https:\/\/localhost:\d+\/kojihub\/ssllogin: HTTP 403 Forbidden \(httpd refused the client certificate: is it issued by the hub's CA, and not revoked\?\): Forbidden/,
      );
    } finally {
      await other.close();
    }
  });

  it("a certificate file without its key → KF_ERR_USAGE before anything is sent", async () => {
    const from = hub.calls.length;
    const err = await rejection(session(hub.caFile).sslLogin());
    expect(err).toMatchObject({ code: "KF_ERR_USAGE" });
    expect(err.message).toMatch(/^Koji login as Fake Koji CA failed: sslLogin at https:\/\/localhost:\d+\/kojihub\/ssllogin: cannot set up TLS: /);
    expect(hub.calls.length).toBe(from);
  });

  it("credential files that cannot be read → KF_ERR_NOT_FOUND naming the file; read again at the next call", async () => {
    const dir = await makeTmpDir("kf-koji-credentials-");
    try {
      const caFile = join(dir, "ca.crt");
      const s = new KojiSession({ hubUrl: hub.url, credentials: credentialFiles({ caFile }) });
      const err = await rejection(s.call("getAPIVersion"));
      expect(err).toMatchObject({ code: "KF_ERR_NOT_FOUND" });
      expect(err.message).toMatch(new RegExp(`^Koji CA file ${caFile} is not readable: ENOENT`));
      writeFileSync(caFile, readFileSync(hub.caFile));
      await expect(s.call("getAPIVersion")).resolves.toBe(1);
      rmSync(caFile);
      await expect(s.call("getAPIVersion")).resolves.toBe(1); // read once it could be
    } finally {
      await removeDir(dir);
    }
  });

  it("why TLS 1.2: the same login over TLS 1.3 gets 403, as from httpd without post-handshake auth, and says so", async () => {
    const pem = readFileSync(adminPem, "utf8");
    const endpoint = { url: new URL(`${hub.url}/ssllogin`), tls: { ca: readFileSync(hub.caFile, "utf8"), cert: pem, key: pem }, timeoutMs: 10_000, maxAnswerBytes: 65_536 };
    await expect(xmlrpcPost(endpoint, "sslLogin", [])).rejects.toThrow(/^sslLogin at .*\/kojihub\/ssllogin: HTTP 403 Forbidden \(over TLS 1\.3: a hub asking for the cert per location needs tlsMaxVersion TLSv1\.2\)/);
    await expect(xmlrpcPost({ ...endpoint, tls: { ...endpoint.tls, maxVersion: "TLSv1.2" } }, "sslLogin", [])).resolves.toMatchObject({ "header-auth": true });
  });

  it("an expired session is renewed in place, once: sslLogin renew=True with the expired session, then the call succeeds", async () => {
    const s = session(adminPem);
    await s.sslLogin();
    const open = hub.openSessions;
    hub.expireSessions();
    const from = hub.calls.length;
    const requestsFrom = hub.requests.length;
    await expect(s.call("getUserPerms", "kojiadmin")).resolves.toEqual(["admin"]);
    expect(callsSince(from).map((c) => [c.method, c.user])).toEqual([["getUserPerms", null], ["sslLogin", null], ["getUserPerms", "kojiadmin"]]);
    expect(hub.calls[from + 1]?.params).toEqual([{ proxyuser: null, renew: true, exclusive: false, __starstar: true }]);
    // The renewal carries the expired session, and the hub keeps its id (createSession renew=True).
    const [expired, renewal, after] = hub.requests.slice(requestsFrom);
    expect(renewal!.headers["koji-session-id"]).toBe(expired!.headers["koji-session-id"]);
    expect(after!.headers["koji-session-id"]).toBe(expired!.headers["koji-session-id"]);
    expect([renewal!.headers["koji-session-callnum"], after!.headers["koji-session-callnum"]]).toEqual(["2", "0"]);
    expect(hub.openSessions).toBe(open); // no second session
    await s.logout();
    expect(hub.openSessions).toBe(open - 1);
  });

  it("a session the hub no longer knows (swept) → AuthError → a new login, once, then the call succeeds", async () => {
    const s = session(adminPem);
    await s.sslLogin();
    hub.sweepSessions();
    const from = hub.calls.length;
    await expect(s.call("getUser", "kojiadmin")).resolves.toMatchObject({ name: "kojiadmin" });
    expect(callsSince(from).map((c) => [c.method, c.user])).toEqual([["getUser", null], ["sslLogin", null], ["getUserPerms", "kojiadmin"], ["getUser", "kojiadmin"]]);
    expect(hub.calls[from + 1]?.params).toEqual([{ proxyuser: null, __starstar: true }]);
    await s.logout();
  });

  it("a hub fault is a KojiFault with faultCode and faultString, naming the call and the endpoint", async () => {
    const err = await rejection(session().call("createUser", "kojira"));
    expect(err).toBeInstanceOf(KojiFault);
    expect(err).toMatchObject({ faultCode: 1004, faultString: "admin permission required (user not logged in)", code: "KF_ERR_FORBIDDEN", method: "createUser" });
    expect(err.message).toBe(`createUser at ${hub.url}: Koji fault 1004: admin permission required (user not logged in)`);
  });

  it("no hub listening → KF_ERR_NOT_READY naming the endpoint", async () => {
    const err = await rejection(session(undefined, { hubUrl: "https://127.0.0.1:1/kojihub" }).call("getUser", "kojira"));
    expect(err).toMatchObject({ code: "KF_ERR_NOT_READY" });
    expect(err.message).toMatch(/^getUser at https:\/\/127\.0\.0\.1:1\/kojihub: connect ECONNREFUSED/);
  });

  it("an answer beyond maxAnswerBytes → KF_ERR_RESOURCE, not a result", async () => {
    const err = await rejection(session(undefined, { maxAnswerBytes: 200 }).call("listChannels"));
    expect(err).toMatchObject({ code: "KF_ERR_RESOURCE" });
    expect(err.message).toBe(`listChannels at ${hub.url}: answer exceeds 200 bytes`);
  });

  it("connect: every call goes over the given stream, with the TLS version, client certificate and name check of the URL", async () => {
    const from = hub.calls.length;
    const through = () => connect(Number(new URL(hub.url).port), "127.0.0.1");
    // Port 1: nothing listens there, so only the stream can have reached the hub.
    const s = session(adminPem, { hubUrl: "https://localhost:1/kojihub", connect: through });
    await s.sslLogin();
    await expect(s.call("getUser", "kojiadmin")).resolves.toMatchObject({ name: "kojiadmin" });
    await s.logout();
    expect(callsSince(from).map(({ method, tls, user }) => ({ method, tls, user }))).toEqual([
      { method: "sslLogin", tls: "TLSv1.2", user: null },
      { method: "getUserPerms", tls: "TLSv1.3", user: "kojiadmin" },
      { method: "getUser", tls: "TLSv1.3", user: "kojiadmin" },
      { method: "logout", tls: "TLSv1.3", user: "kojiadmin" },
    ]);
    // The hub's certificate names localhost, not the URL's host: refused as over TCP.
    const err = await rejection(session(undefined, { hubUrl: "https://hub.invalid/kojihub", connect: through }).call("getUser", "kojiadmin"));
    expect(err).toMatchObject({ code: "KF_ERR_NOT_READY" });
    expect(err.message).toMatch(/Hostname\/IP does not match certificate's altnames: Host: hub\.invalid/);
  });

  it("a hub that accepts but never answers → timeout", async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as { port: number }).port;
    try {
      const err = await rejection(session(undefined, { hubUrl: `https://127.0.0.1:${port}/kojihub`, timeoutMs: 300 }).call("getUser", "kojira"));
      expect(err).toMatchObject({ code: "KF_ERR_NOT_READY" });
      expect(err.message).toBe(`getUser at https://127.0.0.1:${port}/kojihub: no answer within 300 ms`);
    } finally {
      silent.close();
    }
  });
});
