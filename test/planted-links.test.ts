// One planted symlink per kind a local user can reach: the link sits where the resource's file
// or directory is (or on the way, in a directory the user owns) and points at a root-only file.
// The resource fails with KF_ERR_UNSAFE_PATH naming the path, the agent reports a security
// event, and the root-only file is neither changed nor copied anywhere the user can read.
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Resource } from "../shared/protocol.js";
import { converge } from "../agent/engine/converge.js";
import { options, res } from "./support/engine.js";
import { EL10 } from "./support/kinds.js";
import { RecordingExecutor } from "../agent/providers/executor.js";
import { staticSecrets } from "../agent/secrets.js";
import { unsafePathEvents } from "../agent/daemon/transitions.js";
import { filesContaining } from "./support/secret-copies.js";

const NOBODY = 65534;
const SECRET = "root only: do not leak\n";
let base: string;
let root: string;
let secret: string;
beforeEach(() => {
  if (process.geteuid!() !== 0) throw new Error("this test needs root: the links are planted as uid 65534");
  base = fs.mkdtempSync(join(tmpdir(), "kf-planted-"));
  fs.chmodSync(base, 0o755);
  secret = join(base, "shadow");
  fs.writeFileSync(secret, SECRET, { mode: 0o600 });
  root = join(base, "root");
  // Directories the other user owns, as uid 48 owns /mnt/koji and postgres its data directory.
  for (const d of ["mnt/koji", "var/lib/pgsql/data"]) {
    fs.mkdirSync(join(root, d), { recursive: true, mode: 0o755 });
    fs.chownSync(join(root, d), NOBODY, NOBODY);
  }
  fs.writeFileSync(join(root, "var/lib/pgsql/data/PG_VERSION"), "16\n");
});
afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

function plant(target: string, at: string): void {
  fs.symlinkSync(target, join(root, at));
  fs.lchownSync(join(root, at), NOBODY, NOBODY);
}

function intactAndUnleaked(): void {
  const st = fs.statSync(secret);
  expect([fs.readFileSync(secret, "utf8"), st.mode & 0o7777, st.uid]).toEqual([SECRET, 0o600, 0]);
  expect(filesContaining(root, SECRET)).toEqual([]);
}

const pg = (req: { argv: readonly string[] }) => (req.argv.join(" ") === "systemctl is-active --quiet postgresql" ? { exitCode: 3 } : undefined);

describe("a symlink planted by a local user, per kind", () => {
  it.each<[string, string, Resource, RegExp]>([
    ["file at the path", "mnt/koji/kojid.conf", res("r", "file", { path: "/mnt/koji/kojid.conf", content: "x\n", mode: "0644" }), /\/mnt\/koji\/kojid\.conf is a symlink; refusing to replace it with a file/],
    ["file, a link on the way", "mnt/koji/work", res("r", "file", { path: "/mnt/koji/work/shadow", content: "x\n", mode: "0644" }), /refusing to follow the symlink 'work'/],
    ["directory at the path", "mnt/koji/packages", res("r", "directory", { path: "/mnt/koji/packages", mode: "0755" }), /\/mnt\/koji\/packages is a symlink; refusing to replace it with a directory/],
    ["directory, a link on the way", "mnt/koji/work", res("r", "directory", { path: "/mnt/koji/work/sub", mode: "0777" }), /refusing to follow the symlink 'work'/],
    ["secret-file at the path", "mnt/koji/db.conf", res("r", "secret-file", { path: "/mnt/koji/db.conf", template: "pw={{secret:db}}\n" }), /db\.conf is a symlink; refusing to replace it with a file/],
    ["pem-bundle, a part that is a link", "mnt/koji/part.pem", res("r", "pem-bundle", { path: "/mnt/koji/bundle.pem", parts: [{ file: "/mnt/koji/part.pem" }], mode: "0644" }), /part\.pem is a symlink; refusing to follow it/],
    ["symlink, a link on the way", "mnt/koji/work", res("r", "symlink", { path: "/mnt/koji/work/current", target: "/etc/passwd" }), /refusing to follow the symlink 'work'/],
    ["postgres-cluster, postgresql.conf", "var/lib/pgsql/data/postgresql.conf", res("r", "postgres-cluster", { settings: { timezone: "UTC" } }), /postgresql\.conf is a symlink; refusing to follow it/],
    ["hosts-entries at the path", "mnt/koji/hosts", res("r", "hosts-entries", { path: "/mnt/koji/hosts", entries: [{ address: "10.0.0.1", names: ["hub.example.org", "hub"] }] }), /\/mnt\/koji\/hosts is a symlink; refusing to follow it/],
    ["postgres-cluster, pg_hba.conf", "var/lib/pgsql/data/pg_hba.conf", res("r", "postgres-cluster", { hba: [{ type: "local", database: "all", user: "all", method: "peer" }] }), /pg_hba\.conf is a symlink; refusing to follow it/],
  ])("%s → failed KF_ERR_UNSAFE_PATH, a security event, the target untouched", async (_name, at, resource, message) => {
    plant(at.endsWith("work") ? base : secret, at);
    const report = await converge([resource], options(root, { sandbox: false, exec: new RecordingExecutor(pg), facts: EL10, secrets: staticSecrets({ db: "pw" }) }));
    expect(report.results[0]).toMatchObject({ outcome: "failed", errorCode: "KF_ERR_UNSAFE_PATH", error: expect.stringMatching(message) });
    expect(unsafePathEvents(report)).toEqual([{ type: "security", severity: "error", message: `r: ${report.results[0]!.error}`, data: { resource: "r", kind: resource.kind } }]);
    intactAndUnleaked();
  });
});
