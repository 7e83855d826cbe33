// KojiSession against the fake hub over real HTTPS (private CA, client certificates).
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FleetError } from "../../shared/errors.js";
import { FakeKojiHub } from "../../test/support/fake-koji-hub.js";
import { KojiSession } from "./session.js";
import { KojiFault, xmlrpcCall } from "./xmlrpc.js";

let hub: FakeKojiHub;
let adminPem: string;
beforeAll(async () => {
  hub = await FakeKojiHub.start();
  adminPem = await hub.clientPem("kojiadmin");
});
afterAll(() => hub?.close());

const session = (certFile?: string, extra: { requirePermission?: string | null; hubUrl?: string; timeoutMs?: number; connect?: () => Socket } = {}) =>
  new KojiSession({ hubUrl: hub.url, caFile: hub.caFile, certFile, ...extra });
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

  it("sslLogin: POST /kojihub/ssllogin over TLS 1.2 with the admin certificate; then Koji-Session-* headers with callnum 0, 1, …", async () => {
    const from = hub.calls.length;
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
    expect(hub.openSessions).toBe(0);
  });

  it("a hub without header-auth (older than 1.30) gets session-id, session-key and callnum in the URL query", async () => {
    const old = await FakeKojiHub.start({ headerAuth: false });
    try {
      const s = new KojiSession({ hubUrl: old.url, caFile: old.caFile, certFile: await old.clientPem("kojiadmin") });
      await s.sslLogin();
      await s.call("getUser", "kojira");
      expect(old.calls.slice(1).map((c) => [c.method, c.sessionVia, c.user])).toEqual([
        ["getUserPerms", "query", "kojiadmin"],
        ["getUser", "query", "kojiadmin"],
      ]);
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

  it("a certificate from another CA → httpd's 403 on /ssllogin, reported with the pitfall-9 hint", async () => {
    const other = await FakeKojiHub.start({ privateCa: true });
    try {
      const err = await rejection(session(await other.clientPem("kojiadmin")).sslLogin());
      expect((err as FleetError).code).toBe("KF_ERR_FORBIDDEN");
      expect(err.message).toMatch(/^Koji login as kojiadmin at https:\/\/localhost:\d+\/kojihub failed: sslLogin: HTTP 403 from .*\/kojihub\/ssllogin \(httpd refused the client certificate.*pitfall 9/);
    } finally {
      await other.close();
    }
  });

  it("a certificate file without its key → KF_ERR_USAGE before anything is sent", async () => {
    const from = hub.calls.length;
    const err = await rejection(session(hub.caFile).sslLogin());
    expect(err).toMatchObject({ code: "KF_ERR_USAGE" });
    expect(err.message).toMatch(/^Koji login as Fake Koji CA at .* failed: sslLogin: cannot set up TLS to https:\/\/localhost:\d+\/kojihub\/ssllogin: /);
    expect(hub.calls.length).toBe(from);
  });

  it("why TLS 1.2: the same login over TLS 1.3 gets 403, as from httpd without post-handshake auth", async () => {
    const pem = readFileSync(adminPem, "utf8");
    const endpoint = { url: `${hub.url}/ssllogin`, ca: readFileSync(hub.caFile, "utf8"), cert: pem, key: pem, timeoutMs: 10_000 };
    await expect(xmlrpcCall(endpoint, "sslLogin", [])).rejects.toThrow(/HTTP 403/);
    await expect(xmlrpcCall({ ...endpoint, tls12Only: true }, "sslLogin", [])).resolves.toMatchObject({ "header-auth": true });
  });

  it("an expired session is renewed once: sslLogin again, then the call succeeds", async () => {
    const s = session(adminPem);
    await s.sslLogin();
    hub.expireSessions();
    const from = hub.calls.length;
    await expect(s.call("getUserPerms", "kojiadmin")).resolves.toEqual(["admin"]);
    expect(callsSince(from).map((c) => c.method)).toEqual(["getUserPerms", "sslLogin", "getUserPerms", "getUserPerms"]);
    await s.logout();
  });

  it("a hub fault is a KojiFault with faultCode and faultString", async () => {
    const err = await rejection(session().call("createUser", "kojira"));
    expect(err).toBeInstanceOf(KojiFault);
    expect(err).toMatchObject({ faultCode: 1004, faultString: "admin permission required (user not logged in)", code: "KF_ERR_FORBIDDEN" });
  });

  it("no hub listening → KF_ERR_NOT_READY naming the endpoint", async () => {
    const err = await rejection(session(undefined, { hubUrl: "https://127.0.0.1:1/kojihub" }).call("getUser", "kojira"));
    expect(err).toMatchObject({ code: "KF_ERR_NOT_READY" });
    expect(err.message).toMatch(/^getUser: cannot reach the Koji hub at https:\/\/127\.0\.0\.1:1\/kojihub: .*ECONNREFUSED/);
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
      expect(err.message).toBe(`getUser: no answer from https://127.0.0.1:${port}/kojihub within 300 ms`);
    } finally {
      silent.close();
    }
  });
});
