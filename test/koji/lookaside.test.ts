// Assertion 8 of issue 18: the lookaside host serves a source tarball placed in its directory
// (dist-git's layout) over HTTPS to the builder, which trusts the fleet CA through its system
// bundle (the CA anchor its agent laid, then update-ca-trust).
import { createHash } from "node:crypto";
import { chown, mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { reference, BUILDER } from "../support/compiled-fleet.js";
import { LOOKASIDE_URL_PATH } from "../../controller/compile/roles/lookaside.js";
import { attachFarm } from "./farm.js";
import { curl, fqdn } from "./lane.js";

const farm = attachFarm(inject("farm"));
const LOOKASIDE = "cs10-koji-04";
const lookaside = farm.host(LOOKASIDE);
const builder = farm.host(BUILDER);
/** EL's extracted system bundle, which update-ca-trust writes from the anchors. */
const SYSTEM_BUNDLE = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem";

describe(`the lookaside cache on ${LOOKASIDE}`, () => {
  it("serves a tarball in dist-git's layout over HTTPS to the builder, verified against the system bundle", async () => {
    const content = Buffer.from(`source tarball of the lane ${Date.now()}\n`);
    const sha512 = createHash("sha512").update(content).digest("hex");
    const rel = `hello/hello-2.12.tar.gz/sha512/${sha512}/hello-2.12.tar.gz`;
    const file = lookaside.path(`${reference().koji?.lookaside?.dir ?? "/srv/cache/lookaside/pkgs"}/${rel}`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    await chown(file, 48, 48); // apache, as upload.cgi would leave it

    const got = await curl(builder, `https://${fqdn(LOOKASIDE)}${LOOKASIDE_URL_PATH}/${rel}`, { cacert: SYSTEM_BUNDLE });
    expect(got.code).toBe(200);
    expect(createHash("sha512").update(got.body).digest("hex")).toBe(sha512);
    const missing = await curl(builder, `https://${fqdn(LOOKASIDE)}${LOOKASIDE_URL_PATH}/hello/nosuch.tar.gz`, { cacert: SYSTEM_BUNDLE });
    expect(missing.code).toBe(404);
  });
});
