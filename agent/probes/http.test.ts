// The http probe against a real HTTPS server on 127.0.0.1 with a private CA.
import * as fs from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor } from "../providers/executor.js";
import { createFiles } from "../providers/files.js";
import { runProbes } from "./index.js";
import { FakeKojiHub } from "../../test/support/fake-koji-hub.js";
import { PROBE_PKI as PKI, writeProbePki } from "../../test/support/fake-koji-pki.js";

const LOOKASIDE_FILE = "/repo/pkgs/rpms/bash/bash-5.2.tar.gz/sha512/abc/bash-5.2.tar.gz";
let root: string;
let hub: FakeKojiHub;
let plain: http.Server;
let plainBase: string;

beforeAll(async () => {
  root = fs.mkdtempSync(join(tmpdir(), "kf-http-probe-"));
  // The hub's vhost serves kojiweb and the lookaside too; /slow never answers.
  hub = await FakeKojiHub.start({ pages: { "/koji/": "<html><title>Build System Info | koji</title></html>", [LOOKASIDE_FILE]: "tarball", "/slow": null } });
  await writeProbePki(root, hub.trust);
  plain = http.createServer((req, res) => {
    res.writeHead(req.url === "/kojifiles/" ? 200 : 404);
    res.end(req.url === "/kojifiles/" ? "<title>Index of /kojifiles</title>" : "no");
  });
  await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
  plainBase = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
});
afterAll(async () => {
  await hub?.close();
  plain?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

async function check(props: Record<string, unknown>) {
  const [r] = await runProbes([{ id: "p", kind: "http", props }], { root, files: createFiles(), exec: createExecutor(), previous: [] });
  return { healthy: r!.healthy, output: r!.output };
}

describe("http probe against a real HTTPS server with a private CA", () => {
  it("hub GET /kojihub → 405 is healthy when 405 is expected", async () => {
    expect(await check({ url: `${hub.origin}/kojihub`, expectStatus: 405, caFile: PKI.ca })).toEqual({ healthy: true, output: `GET ${hub.origin}/kojihub → 405 Method Not Allowed (TLSv1.3)` });
  });

  it("kojiweb /koji/ → 200 with a body check; a list of statuses is accepted", async () => {
    expect(await check({ url: `${hub.origin}/koji/`, caFile: PKI.ca, bodyMatches: "Build System Info" })).toMatchObject({ healthy: true });
    expect(await check({ url: `${hub.origin}/kojihub`, caFile: PKI.ca, expectStatus: [200, 405] })).toMatchObject({ healthy: true });
  });

  it("lookaside: HEAD of a known file → 200, an unknown one → 404 is unhealthy", async () => {
    expect(await check({ url: `${hub.origin}${LOOKASIDE_FILE}`, method: "HEAD", caFile: PKI.ca })).toEqual({ healthy: true, output: `HEAD ${hub.origin}${LOOKASIDE_FILE} → 200 OK (TLSv1.3)` });
    expect(await check({ url: `${hub.origin}/repo/pkgs/rpms/bash/x`, method: "HEAD", caFile: PKI.ca })).toEqual({ healthy: false, output: `HEAD ${hub.origin}/repo/pkgs/rpms/bash/x → 404 Not Found, expected 200` });
  });

  it("wrong status → unhealthy with an excerpt of the body", async () => {
    expect(await check({ url: `${hub.origin}/kojihub`, caFile: PKI.ca })).toEqual({ healthy: false, output: `GET ${hub.origin}/kojihub → 405 Method Not Allowed, expected 200: Method Not Allowed ⏎ This is an XML-RPC server. Only POST requests are accepted.` });
  });

  it("body that does not match → unhealthy, quotes the body", async () => {
    expect(await check({ url: `${hub.origin}/koji/`, caFile: PKI.ca, bodyMatches: "Welcome" })).toEqual({
      healthy: false,
      output: `GET ${hub.origin}/koji/ → 200 OK, body does not match /Welcome/: <html><title>Build System Info | koji</title></html>`,
    });
  });

  it("POST with a body (an XML-RPC call)", async () => {
    const r = await check({ url: `${hub.origin}/kojihub`, method: "POST", caFile: PKI.ca, contentType: "text/xml", body: '<?xml version="1.0"?><methodCall><methodName>getAPIVersion</methodName></methodCall>', bodyMatches: "<int>1</int>" });
    expect(r).toMatchObject({ healthy: true });
    expect(hub.requests.at(-1)).toMatchObject({ method: "POST", headers: { "content-type": "text/xml" } });
  });

  it("TLS: the system trust does not know the private CA; another CA is refused too", async () => {
    const noCa = await check({ url: `${hub.origin}/koji/` });
    expect(noCa.healthy).toBe(false);
    expect(noCa.output).toMatch(/^GET https:\/\/localhost:\d+\/koji\/: .*(self-signed|unable to get local issuer|unable to verify)/i);
    const wrongCa = await check({ url: `${hub.origin}/koji/`, caFile: PKI.otherCa });
    expect(wrongCa).toMatchObject({ healthy: false });
    expect(wrongCa.output).toMatch(/self-signed|unable to (get local issuer|verify)/i);
  });

  it("tlsMaxVersion TLSv1.2 is honoured; the client cert is offered when given", async () => {
    expect(await check({ url: `${hub.origin}/koji/`, caFile: PKI.ca, tlsMaxVersion: "TLSv1.2", clientCert: { pemFile: PKI.adminPem } })).toEqual({ healthy: true, output: `GET ${hub.origin}/koji/ → 200 OK (TLSv1.2)` });
    expect(hub.requests.at(-1)?.tls).toBe("TLSv1.2");
  });

  it("a missing file is named, never read out", async () => {
    expect(await check({ url: `${hub.origin}/koji/`, caFile: "/etc/pki/koji/missing.crt" })).toEqual({ healthy: false, output: `GET ${hub.origin}/koji/: caFile /etc/pki/koji/missing.crt: absent` });
    const keyOut = await check({ url: `${hub.origin}/koji/`, caFile: PKI.ca, clientCert: { certFile: PKI.adminCert, keyFile: PKI.ca } });
    expect(keyOut.healthy).toBe(false);
    expect(keyOut.output).not.toMatch(/BEGIN/);
  });

  it("plain http, connection refused, and a server that never answers", async () => {
    expect(await check({ url: `${plainBase}/kojifiles/`, bodyMatches: "Index of" })).toEqual({ healthy: true, output: `GET ${plainBase}/kojifiles/ → 200 OK` });
    const refused = await check({ url: "http://127.0.0.1:1/koji/" });
    expect(refused).toEqual({ healthy: false, output: "GET http://127.0.0.1:1/koji/: connect ECONNREFUSED 127.0.0.1:1" });
    expect(await check({ url: `${hub.origin}/slow`, caFile: PKI.ca, timeoutMs: 300 })).toEqual({ healthy: false, output: `GET ${hub.origin}/slow: no answer within 300 ms` });
  });

  it("userinfo and query never reach the output", async () => {
    const r = await check({ url: `${hub.origin.replace("https://", "https://user:hunter2@")}/nothing?token=s3cret`, caFile: PKI.ca });
    expect(r.healthy).toBe(false);
    expect(r.output).not.toMatch(/hunter2|s3cret/);
  });

  it("invalid props are refused by the schema", async () => {
    expect((await check({ url: "ftp://x/" })).output).toMatch(/^invalid props: \/url must match pattern/);
    expect((await check({ url: `${hub.origin}/`, method: "DELETE" })).output).toMatch(/^invalid props: \/method/);
    expect((await check({ url: `${hub.origin}/`, bodyMatches: "(" })).output).toMatch(/^invalid bodyMatches "\(": /);
  });
});
