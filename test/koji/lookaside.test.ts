// Assertion 8 of issue 18 and the lookaside part of issue 20, on the lookaside host and the
// builder as their agents converged them: the vhost serves a tarball in dist-git's layout to
// the builder (which trusts the fleet CA through its system bundle); the builders' source
// command, run as kojid's allowed_scms entry says, fetches from it and refuses a tarball whose
// hash differs; a person's certificate uploads through the upload CGI and the download gives
// the same bytes back; no certificate, no upload. kojid itself runs the command inside a mock
// buildroot, which the lane cannot make: here it runs on the builder host, as kojibuilder, in
// a checkout directory, with the scm_credentials_dir where the buildroot has /credentials.
import { createHash } from "node:crypto";
import { chown, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { reference, BUILDER, LOOKASIDE } from "../support/compiled-fleet.js";
import { PATHS } from "../../controller/compile/farm.js";
import { parseIni } from "../../controller/compile/ini.js";
import { LOOKASIDE_URL_PATH } from "../../controller/compile/roles/lookaside.js";
import { CHROOT_CREDENTIALS } from "../../controller/compile/roles/scm-sources.js";
import { attachFarm } from "./farm.js";
import { curl, fqdn, kojiFleet, userCredential } from "./lane.js";

const farm = attachFarm(inject("farm"));
const lookaside = farm.host(LOOKASIDE);
const builder = farm.host(BUILDER);
/** EL's extracted system bundle, which update-ca-trust writes from the anchors. */
const SYSTEM_BUNDLE = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem";
const APACHE = 48;
const TREE = reference().koji?.lookaside?.dir ?? "/srv/cache/lookaside/pkgs";
const sha512 = (b: Buffer | string) => createHash("sha512").update(b).digest("hex");

/** A tarball in the lookaside's tree, as an earlier upload would have left it. */
async function place(rel: string, content: Buffer): Promise<void> {
  const file = lookaside.path(`${TREE}/${rel}`);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
  await chown(file, APACHE, APACHE);
}

/** kojid's source_cmd for the reference farm's SCM, read from the kojid.conf the builder's agent wrote. */
async function sourceCommand(): Promise<string[]> {
  const kojid = parseIni(await readFile(builder.path(PATHS.kojidConf), "utf8")).kojid!;
  const entry = kojid.allowed_scms!.split(" ").find((e) => e.startsWith("git.mx-os.mx:"))!;
  const [, , , cmd] = entry.split(":"); // koji/daemon.py assert_allowed_by_config
  // In the buildroot the scm_credentials_dir is /credentials; here it is where kojid.conf says.
  return cmd!.split(",").map((arg) => arg.replace(CHROOT_CREDENTIALS, kojid.scm_credentials_dir!));
}

/** A checkout of package `pkg` on the builder, owned by kojibuilder (kojid chowns it so), with `sources`. */
async function checkout(pkg: string, sources: string): Promise<string> {
  const dir = `/var/tmp/kf-lane-checkout-${Date.now()}/${pkg}`;
  await mkdir(builder.path(dir), { recursive: true });
  await writeFile(builder.path(`${dir}/sources`), sources);
  const passwd = await readFile(builder.path("/etc/passwd"), "utf8");
  const [, , uid, gid] = passwd.split("\n").find((l) => l.startsWith(`${PATHS.mockuser}:`))!.split(":");
  for (const p of [dirname(dir), dir, `${dir}/sources`]) await chown(builder.path(p), Number(uid), Number(gid));
  return dir;
}

/** The source command as mock --unpriv --cwd runs it: as the mock user, in the checkout. */
const runSourceCommand = async (dir: string) =>
  builder.ns.exec(["env", "-C", dir, "runuser", "-u", PATHS.mockuser, "--", ...(await sourceCommand())]).then(
    (r) => ({ ok: true, out: r.stdout + r.stderr }),
    (err: Error) => ({ ok: false, out: err.message }),
  );

describe(`the lookaside cache on ${LOOKASIDE}`, () => {
  it("serves a tarball in dist-git's layout over HTTPS to the builder, verified against the system bundle", async () => {
    const content = Buffer.from(`source tarball of the lane ${Date.now()}\n`);
    const rel = `hello/hello-2.12.tar.gz/sha512/${sha512(content)}/hello-2.12.tar.gz`;
    await place(rel, content);
    const got = await curl(builder, `https://${fqdn(LOOKASIDE)}${LOOKASIDE_URL_PATH}/${rel}`, { cacert: SYSTEM_BUNDLE });
    expect(got.code).toBe(200);
    expect(sha512(got.body)).toBe(sha512(content));
    const missing = await curl(builder, `https://${fqdn(LOOKASIDE)}${LOOKASIDE_URL_PATH}/hello/nosuch.tar.gz`, { cacert: SYSTEM_BUNDLE });
    expect(missing.code).toBe(404);
  });

  it("the builders' source command from kojid.conf fetches the sources file's tarball, verified with the farm CA beside it", async () => {
    expect(await sourceCommand()).toEqual(["bash", `${PATHS.scmSourcesDir}/koji-fleet-sources`, fqdn(LOOKASIDE)]);
    const content = Buffer.from(`hello 2.12 for the source command ${Date.now()}\n`);
    await place(`hello/hello-2.12.tar.gz/sha512/${sha512(content)}/hello-2.12.tar.gz`, content);
    const dir = await checkout("hello", `SHA512 (hello-2.12.tar.gz) = ${sha512(content)}\n`);
    const r = await runSourceCommand(dir);
    expect(r.ok, r.out).toBe(true);
    expect(await readFile(builder.path(`${dir}/hello-2.12.tar.gz`))).toEqual(content);
    expect(r.out).toContain("hello-2.12.tar.gz: fetched from");
  });

  it("refuses a tarball whose hash differs from the sources file's, leaving nothing in the checkout", async () => {
    const claimed = sha512("the tarball the packager uploaded");
    await place(`hello/hello-2.13.tar.gz/sha512/${claimed}/hello-2.13.tar.gz`, Buffer.from("something else\n"));
    const dir = await checkout("hello", `SHA512 (hello-2.13.tar.gz) = ${claimed}\n`);
    const r = await runSourceCommand(dir);
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(/hello-2\.13\.tar\.gz: refused: sources says sha512/);
    expect(await readdir(builder.path(dir))).toEqual(["sources"]);
  });

  it("koji-fleet sources upload with a `koji-fleet ca user` certificate stores the tarball; the download returns the same bytes", async () => {
    // The packager works on a farm host that resolves the lookaside's name: the builder.
    const { credential } = await userCredential(farm, "lane-packager");
    await writeFile(builder.path("/root/lane-packager.pem"), credential.cert + credential.key, { mode: 0o600 });
    const content = `a packager's tarball ${Date.now()}\n`;
    await writeFile(builder.path("/root/lane-1.0.tar.gz"), content);
    const { stdout } = await kojiFleet(builder, "sources", "upload", "/root/lane-1.0.tar.gz", "--package", "lane", "--lookaside", fqdn(LOOKASIDE), "--cert", "/root/lane-packager.pem", "--ca", PATHS.caCert);
    expect(stdout.trim()).toBe(`SHA512 (lane-1.0.tar.gz) = ${sha512(content)}`);
    const rel = `lane/lane-1.0.tar.gz/sha512/${sha512(content)}/lane-1.0.tar.gz`;
    const got = await curl(builder, `https://${fqdn(LOOKASIDE)}${LOOKASIDE_URL_PATH}/${rel}`, { cacert: SYSTEM_BUNDLE });
    expect([got.code, got.body]).toEqual([200, content]);
    // The CGI ran as apache and wrote into the tree; the CN is in httpd's error log.
    expect((await stat(lookaside.path(`${TREE}/${rel}`))).uid).toBe(APACHE);
    expect(await readFile(lookaside.path("/var/log/httpd/error_log"), "utf8")).toMatch(new RegExp(`koji-fleet lookaside upload from [0-9.]+: CN=lane-packager ${rel}: stored`));
  });

  it("refuses an upload without a client certificate", async () => {
    const h = sha512("anonymous\n");
    const r = await curl(builder, `https://${fqdn(LOOKASIDE)}${LOOKASIDE_URL_PATH}/upload.cgi/anon/a.tar.gz/sha512/${h}`, { cacert: SYSTEM_BUNDLE, extra: ["-X", "PUT", "--data-binary", "anonymous\n"] });
    expect(r.code).toBe(403);
    expect(await readdir(lookaside.path(TREE))).not.toContain("anon");
  });
});
