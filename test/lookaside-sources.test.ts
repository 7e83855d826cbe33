// The lookaside's two ends on a real Apache httpd (Debian's apache2 + mod_ssl + mod_cgid): the
// lookaside host's TLS vhost and lookaside.conf as the compiler renders them, its upload CGI
// run by httpd, `koji-fleet sources upload`'s code uploading through it, and the builders'
// source command (koji-fleet-sources, the catalog's text) run with bash against it.
import { createPrivateKey, createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { chmod, chown, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCsr, generateKeyPem } from "../agent/csr.js";
import { sourcesLine, uploadSource } from "../cli/sources-upload.js";
import { PATHS } from "../controller/compile/farm.js";
import { LOOKASIDE_HTTPD_CONF } from "../controller/compile/roles/lookaside.js";
import { SOURCES_CA_NAME, SOURCES_SCRIPT, SOURCES_SCRIPT_NAME } from "../controller/compile/roles/scm-sources.js";
import { FleetError } from "../shared/errors.js";
import { httpRequest } from "../shared/http-request.js";
import { apacheConfig, applyEdits, configTest, requireApache2, sslConfOnDebian, startApache, type Apache } from "./support/apache.js";
import { compiled, LOOKASIDE, reference } from "./support/compiled-fleet.js";
import { farmPki, type Credential } from "./support/farm-pki.js";
import { freePort } from "./support/net.js";
import { useTmpDirs } from "./support/tmp.js";

const run = promisify(execFile);
const tmp = useTmpDirs();
const sha512 = (b: Buffer | string) => createHash("sha512").update(b).digest("hex");
const md5 = (b: Buffer | string) => createHash("md5").update(b).digest("hex");
/** Small enough to test httpd's 413 without gigabytes. */
const LIMIT = 64 * 1024;
const NOBODY = 65534;

let apache: Apache | undefined;
let dir: string;
let pkgs: string;
let base: string;
let caPem: string;
let alice: Credential;
let syntax: string;

/** A file as the lookaside stores it, put there directly (as a past upload would have). */
async function place(pkg: string, file: string, hashtype: string, hash: string, content: Buffer): Promise<void> {
  const path = join(pkgs, pkg, file, hashtype, hash, file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

beforeAll(async () => {
  requireApache2();
  dir = await tmp("kf-lookaside-");
  const { ca, user } = await farmPki(dir);
  caPem = ca.certificatePem;
  alice = user("alice");
  // The catalog's server certificate names the FQDN; this one names localhost, where the test connects.
  const key = await generateKeyPem();
  const subject = [["O", reference().fleet.name], ["OU", "lookaside"], ["CN", "localhost"]] as const;
  const server = ca.issue(createCsr(createPrivateKey(key), subject.map(([t, v]) => [t, v])), { subject: subject.map(([t, v]) => [t, v]), dnsNames: ["localhost"], usage: "server", days: 2 });

  const fleet = reference();
  fleet.koji!.lookaside = { ...fleet.koji!.lookaside, limitRequestBody: LIMIT };
  const c = compiled(fleet, { caCertPem: caPem });
  const port = await freePort();
  base = `https://localhost:${port}/repo/pkgs`;
  pkgs = join(dir, "pkgs");
  const cgi = join(dir, "cgi", "upload.cgi");
  const tree = reference().koji!.lookaside!.dir!;
  const site = [
    sslConfOnDebian(c.content(LOOKASIDE, PATHS.sslConf), dir, port),
    applyEdits(c.content(LOOKASIDE, LOOKASIDE_HTTPD_CONF), "lookaside.conf", [[PATHS.uploadCgi, cgi], [dirname(PATHS.uploadCgi), dirname(cgi)], [tree, pkgs]]),
  ].join("\n");
  const pki = join(dir, "pki");
  await mkdir(join(pki, "certs"), { recursive: true });
  await mkdir(join(pki, "private"), { recursive: true, mode: 0o700 });
  await writeFile(join(pki, "certs", "lookaside.crt"), server.pem);
  await writeFile(join(pki, "private", "lookaside.key"), key, { mode: 0o600 });
  await writeFile(join(pki, "koji_ca_cert.crt"), caPem);
  await mkdir(dirname(cgi), { recursive: true });
  await writeFile(cgi, applyEdits(c.content(LOOKASIDE, PATHS.uploadCgi), "upload.cgi", [[JSON.stringify(tree), JSON.stringify(pkgs)]]), { mode: 0o755 });
  // The lookaside directory is apache's on EL; httpd's workers run as nobody here.
  await mkdir(pkgs, { recursive: true });
  if (process.getuid?.() === 0) await chown(pkgs, NOBODY, NOBODY);
  else await chmod(pkgs, 0o777);
  const conf = await apacheConfig(dir, site, "Require all granted", ["alias", "autoindex", "cgid"]);
  syntax = await configTest(conf);
  apache = await startApache(dir, conf, port);
}, 60_000);
afterAll(async () => {
  await apache?.stop();
});

describe("uploads through the lookaside's upload CGI", () => {
  const put = (path: string, body: string, who: Credential | null) =>
    httpRequest({ url: new URL(`${base}/upload.cgi/${path}`), method: "PUT", body, tls: { ca: caPem, ...(who ?? {}) }, timeoutMs: 20_000, maxBodyBytes: 65_536 });

  it("the rendered vhost and lookaside.conf pass apache2 -t", () => {
    expect(syntax).toMatch(/Syntax OK/);
  });

  it("koji-fleet sources upload with a person's certificate stores the file where builders fetch it, and prints its sources line", async () => {
    const content = Buffer.from(`hello source ${Date.now()}\n`);
    const file = join(await tmp("kf-upload-"), "hello-2.12.tar.gz");
    await writeFile(file, content);
    const tls = { ca: caPem, ...alice };
    const first = await uploadSource({ file, pkg: "hello", lookaside: new URL(base), tls, timeoutMs: 20_000 });
    expect(first).toEqual({ line: sourcesLine("hello-2.12.tar.gz", sha512(content)), stored: true });
    expect(first.line).toBe(`SHA512 (hello-2.12.tar.gz) = ${sha512(content)}`);
    const stored = join(pkgs, "hello", "hello-2.12.tar.gz", "sha512", sha512(content), "hello-2.12.tar.gz");
    expect(await readFile(stored)).toEqual(content);
    // The download: the same bytes, at the path in the layout.
    const got = await httpRequest({ url: new URL(`${base}/hello/hello-2.12.tar.gz/sha512/${sha512(content)}/hello-2.12.tar.gz`), method: "GET", tls: { ca: caPem }, timeoutMs: 20_000, maxBodyBytes: 65_536 });
    expect([got.status, got.body]).toEqual([200, content.toString()]);
    // Again: already there, kept, still exit 0 for the CLI.
    expect(await uploadSource({ file, pkg: "hello", lookaside: new URL(base), tls, timeoutMs: 20_000 })).toEqual({ line: first.line, stored: false });
    expect(await apache!.log("error_log")).toMatch(new RegExp(`koji-fleet lookaside upload from 127\\.0\\.0\\.1: CN=alice hello/hello-2.12.tar.gz/sha512/${sha512(content)}/hello-2.12.tar.gz: stored ${content.length} bytes`));
  });

  it("refuses an upload without a client certificate (403), storing nothing", async () => {
    const file = join(await tmp("kf-upload-"), "anon-1.0.tar.gz");
    await writeFile(file, "anonymous\n");
    const err = await uploadSource({ file, pkg: "anon", lookaside: new URL(base), tls: { ca: caPem }, timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleetError);
    expect((err as FleetError).code).toBe("KF_ERR_FORBIDDEN");
    expect((err as Error).message).toMatch(/HTTP 403/);
    expect(await readdir(pkgs)).not.toContain("anon");
  });

  it("refuses a body whose sha512 is not the one in the path, leaving no file and no temporary file", async () => {
    const claimed = sha512("what the packager meant");
    const r = await put(`mismatch/m-1.tar.gz/sha512/${claimed}`, "what arrived", alice);
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/sha512 mismatch/);
    expect(await readdir(pkgs)).toContain("mismatch"); // the package directory may stay…
    expect(await readdir(join(pkgs, "mismatch"))).toEqual([]); // …nothing below it does
  });

  it("never replaces a stored file: the same bytes again are 'already there', other bytes under its hash are refused", async () => {
    const content = "first\n";
    const path = `keep/k.tar.gz/sha512/${sha512(content)}`;
    expect((await put(path, content, alice)).status).toBe(201);
    const again = await put(path, content, alice);
    expect([again.status, again.body.trim()]).toEqual([200, `already there: ${path}/k.tar.gz`]);
    const other = await put(path, "different bytes, same claim\n", alice);
    expect([other.status, other.body]).toEqual([400, expect.stringMatching(/sha512 mismatch/)]);
    expect(await readFile(join(pkgs, "keep", "k.tar.gz", "sha512", sha512(content), "k.tar.gz"), "utf8")).toBe(content);
  });

  it("refuses bad paths (a hidden file, a path in the name, md5), other methods, and bodies over LimitRequestBody", async () => {
    const h = sha512("x");
    expect((await put(`p/.hidden/sha512/${h}`, "x", alice)).status).toBe(400);
    expect((await put(`p/a..b/sha512/${h}/extra`, "x", alice)).status).toBe(400);
    expect((await put(`p/f/md5/${md5("x")}`, "x", alice)).status).toBe(400);
    const post = await httpRequest({ url: new URL(`${base}/upload.cgi/p/f/sha512/${h}`), method: "POST", body: "x", tls: { ca: caPem, ...alice }, timeoutMs: 20_000, maxBodyBytes: 65_536 });
    expect(post.status).toBe(405);
    const big = "y".repeat(LIMIT + 1);
    expect((await put(`big/b.tar.gz/sha512/${sha512(big)}`, big, alice)).status).toBe(413);
    expect(await readdir(pkgs)).not.toContain("big");
  });
});

describe("koji-fleet-sources, the builders' source command, against the lookaside", () => {
  /** The bind-mounted directory as on a builder: the script with the farm CA beside it. */
  let credentials: string;
  beforeAll(async () => {
    credentials = await tmp("kf-credentials-");
    await writeFile(join(credentials, SOURCES_SCRIPT_NAME), SOURCES_SCRIPT, { mode: 0o755 });
    await writeFile(join(credentials, SOURCES_CA_NAME), caPem);
  });

  /** A checkout named `pkg` holding `sources`; the script run in it as kojid would (cwd = checkout). */
  async function fetchSources(pkg: string, sources: string | null, ...args: string[]) {
    const checkout = join(await tmp("kf-checkout-"), pkg);
    await mkdir(checkout);
    if (sources !== null) await writeFile(join(checkout, "sources"), sources);
    const outcome = await run("bash", [join(credentials, SOURCES_SCRIPT_NAME), "--url", base, ...args], { cwd: checkout }).then(
      ({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, out: err.stdout + err.stderr }),
    );
    return { ...outcome, checkout, files: (await readdir(checkout)).sort() };
  }

  it("fetches every file of a fedpkg-style sources file, verified, into the checkout", async () => {
    const a = Buffer.from("tarball a\n");
    const b = Buffer.from("patch set b\n");
    await place("curl", "curl-8.0.tar.xz", "sha512", sha512(a), a);
    await place("curl", "extra.tar.gz", "sha512", sha512(b), b);
    const r = await fetchSources("curl", `SHA512 (curl-8.0.tar.xz) = ${sha512(a)}\nSHA512 (extra.tar.gz) = ${sha512(b)}\n`);
    expect(r.code, r.out).toBe(0);
    expect(r.files).toEqual(["curl-8.0.tar.xz", "extra.tar.gz", "sources"]);
    expect(await readFile(join(r.checkout, "curl-8.0.tar.xz"))).toEqual(a);
    expect(await readFile(join(r.checkout, "extra.tar.gz"))).toEqual(b);
    expect(r.out).toMatch(/curl-8\.0\.tar\.xz: fetched from .*, sha512 verified/);
  });

  it("fetches the old md5 format, and --package names the package when the directory does not", async () => {
    const old = Buffer.from("old tarball\n");
    await place("oldpkg", "old-1.0.tgz", "md5", md5(old), old);
    const r = await fetchSources("checkout-dir", `${md5(old)}  old-1.0.tgz\n`, "--package", "oldpkg");
    expect(r.code, r.out).toBe(0);
    expect(await readFile(join(r.checkout, "old-1.0.tgz"))).toEqual(old);
  });

  it("refuses a file whose content does not match its hash: exit 1, a clear message, nothing left behind", async () => {
    const claimed = sha512("the real tarball");
    await place("tampered", "t-1.0.tar.gz", "sha512", claimed, Buffer.from("not the real tarball"));
    const r = await fetchSources("tampered", `SHA512 (t-1.0.tar.gz) = ${claimed}\n`);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/t-1\.0\.tar\.gz: refused: sources says sha512 [0-9a-f]{128}, the lookaside sent [0-9a-f]{128}/);
    expect(r.files).toEqual(["sources"]); // no file, no temporary .t-1.0.tar.gz.XXXXXX
  });

  it("refuses a file the lookaside does not have (404): exit 1, nothing left behind", async () => {
    const r = await fetchSources("hello", `SHA512 (nosuch-1.0.tar.gz) = ${sha512("nosuch")}\n`);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/nosuch-1\.0\.tar\.gz: .* answered HTTP 404/);
    expect(r.files).toEqual(["sources"]);
  });

  it("refuses a lookaside whose certificate does not chain to the CA it was given", async () => {
    const other = join(await tmp("kf-otherca-"), "ca.crt");
    await writeFile(other, (await farmPki(await tmp("kf-otherpki-"))).ca.certificatePem);
    const r = await fetchSources("hello", `SHA512 (x.tar.gz) = ${sha512("x")}\n`, "--cacert", other);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/SSL certificate problem|unable to get local issuer/i);
    expect(r.files).toEqual(["sources"]);
  });

  it("refuses lines it cannot read and file names that are paths", async () => {
    expect((await fetchSources("hello", "SHA256 (x) = abc\n")).out).toMatch(/sources line 1 is neither/);
    const r = await fetchSources("hello", `${md5("x")}  ../../etc/passwd\n`);
    expect([r.code, r.files]).toEqual([1, ["sources"]]);
  });

  it("no sources file: nothing to fetch, success", async () => {
    const r = await fetchSources("hello", null);
    expect([r.code, r.files]).toEqual([0, []]);
  });
});
