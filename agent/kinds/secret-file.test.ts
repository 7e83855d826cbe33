import * as fs from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { staticSecrets } from "../secrets.js";
import { secretFileKind } from "./secret-file.js";
import { cycle, expectNoopMatchesApply, kindContext, tempRoot } from "../../test/support/kinds.js";

let root: string;
beforeEach(() => {
  root = tempRoot();
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const props = { path: "/etc/koji-hub/hub.conf.d/secrets.conf", template: "[hub]\nDBPass = {{secret:koji-db-password}}\n", group: "apache", mode: "0640" };
const ctx = (value = "s3cr3t-Passw0rd") => kindContext(root, { secrets: staticSecrets({ "koji-db-password": value }) });

describe("secret-file", () => {
  it("renders the secret into the file (0640); reports never contain the value; second run changes nothing", async () => {
    const lines = await expectNoopMatchesApply(secretFileKind, props, ctx());
    expect(fs.readFileSync(join(root, props.path), "utf8")).toBe("[hub]\nDBPass = s3cr3t-Passw0rd\n");
    expect(fs.statSync(join(root, props.path)).mode & 0o777).toBe(0o640);
    expect(JSON.stringify(lines)).not.toContain("s3cr3t");
  });

  it("a rotated secret → content differs (by digest only) and the file is rewritten", async () => {
    await cycle(secretFileKind, props, ctx());
    const { before } = await cycle(secretFileKind, props, ctx("n3w-value"));
    expect(before).toEqual([expect.stringMatching(/^content differs \(sha256 [0-9a-f]{12}… → [0-9a-f]{12}…\)$/)]);
    expect(fs.readFileSync(join(root, props.path), "utf8")).toContain("n3w-value");
  });

  it("a secret this host does not have → a clear error naming it, nothing written", async () => {
    await expect(cycle(secretFileKind, props, kindContext(root))).rejects.toThrow("secret 'koji-db-password' is not available on this host");
    expect(fs.existsSync(join(root, props.path))).toBe(false);
  });

  it("a secret with a line break → refused (it would inject config lines)", async () => {
    await expect(cycle(secretFileKind, props, ctx("x\nKojiDir = /tmp"))).rejects.toThrow("contains a line break");
  });
});
