// The EL platform stand-ins (platform.ts) under the agent's real kinds: one farm host in its own
// namespaces with the platform in its upper layers, and the reference catalogs' package,
// account, firewall, SELinux, CA-trust, mount, NFS-export and PostgreSQL-cluster resources
// converged by the engine with every command run inside the host and files under its root.
// The first converge applies, the second finds nothing to do, and what the stand-ins leave
// is what EL's tools would: installed packages rpm answers for, kojid running on python3, the
// fleet CA in the system bundle, the export table, the mount, the booleans.
import { execFile } from "node:child_process";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { converge, type ConvergeReport } from "../../agent/engine/converge.js";
import { options as engineOptions } from "../support/engine.js";
import { readFacts } from "../../agent/facts.js";
import { resolveGroupId, resolveUserId } from "../../agent/providers/accounts.js";
import { NAMES_ID } from "../../controller/compile/resources.js";
import { BUILDER, compiled, DB, HUB, LOOKASIDE, NFS } from "../support/compiled-fleet.js";
import type { Resource } from "../../shared/protocol.js";
import { inside, overlay, requireNamespaces, startNsHost, upperPath, type NsHost } from "../support/netns.js";
import { useTmpDirs } from "../support/tmp.js";
import { kojiSource, type KojiSource } from "./koji-source.js";
import { PRIVATE_DIRS } from "./farm.js";
import { installPlatform, LANE_DIR } from "./platform.js";

const run = promisify(execFile);
const tmp = useTmpDirs();
const c = compiled();
const TOPDIR = "/mnt/koji";
const ANCHOR = "/etc/pki/ca-trust/source/anchors/koji_ca_cert.crt";

let dir: string;
let host: NsHost;
let src: KojiSource;
let caPem: string;
let first: ConvergeReport;
let second: ConvergeReport;
const at = (path: string) => join(`/proc/${host.pid}/root`, path);
const sh = (...argv: string[]) => host.exec(argv);

/** One package resource holding every catalog's packages, so each table entry is installed. */
function allPackages(): Resource {
  const roles = [HUB, DB, NFS, BUILDER, LOOKASIDE].map((h) => c.resource(h, "package:roles"));
  const names = [...new Set(roles.flatMap((r) => (r.props.packages as { name: string }[]).map((p) => p.name)))].sort();
  return { ...roles[0]!, props: { ...roles[0]!.props, packages: names.map((name) => ({ name })) } };
}

/** The hub's firewall zone opening what the hub, database and NFS hosts open. */
function firewall(): Resource {
  const services = [HUB, DB, NFS].flatMap((h) => c.resource(h, "firewall:public").props.services as string[]);
  return { ...c.resource(HUB, "firewall:public"), props: { zone: "public", services } };
}

function resources(): Resource[] {
  const of = (h: string, ids: string[]) => ids.map((id) => c.resource(h, id));
  const kinds = (h: string, kind: string, under = "") => c.ofKind(h, kind).filter((r) => String(r.props.path ?? "").startsWith(under));
  const anchor: Resource = { id: `file:${ANCHOR}`, kind: "file", props: { path: ANCHOR, content: caPem, mode: "0644" }, requires: ["package:roles"], notifies: ["exec:update-ca-trust"] };
  return [
    c.resource(HUB, "package:epel"), allPackages(), firewall(), anchor,
    ...of(HUB, [NAMES_ID, "group:apache", "user:apache", "exec:update-ca-trust", `mount:${TOPDIR}`]),
    ...c.ofKind(HUB, "selinux-boolean"),
    c.resource(BUILDER, "user:kojibuilder"),
    ...kinds(NFS, "directory", TOPDIR), c.resource(NFS, `nfs-export:${TOPDIR}`),
    ...kinds(LOOKASIDE, "directory", "/srv"), ...kinds(LOOKASIDE, "directory", "/var/lib/koji-fleet-lookaside"), ...c.ofKind(LOOKASIDE, "selinux-fcontext"),
    c.resource(DB, "postgres-cluster:/var/lib/pgsql/data"),
  ];
}

beforeAll(async () => {
  await requireNamespaces();
  dir = await tmp("kf-platform-");
  await chmod(dir, 0o755);
  src = await kojiSource(join(dir, "src"));
  await installPlatform(upperPath(dir, "/"), { kojiSrc: src.dir, nfsMounts: [TOPDIR] });
  await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/O=mx-os/CN=Koji CA", "-days", "1", "-keyout", join(dir, "ca.key"), "-out", join(dir, "ca.crt")]);
  caPem = await readFile(join(dir, "ca.crt"), "utf8");
  // The mountpoint and, bound onto it, the NFS host's tree (how the lane stands in for NFS).
  await mkdir(upperPath(dir, TOPDIR), { recursive: true });
  await mkdir(join(dir, "nfs-tree"));
  host = await startNsHost(HUB, { mount: true });
  await overlay(host, dir, PRIVATE_DIRS);
  await sh("mount", "--bind", join(dir, "nfs-tree"), TOPDIR);
  const base = engineOptions(at("/"), { sandbox: false, exec: inside(host) });
  // Names are the host's: the agent inside resolves owners in its own /etc/passwd.
  const files = { ...base.files, userId: (n: string) => resolveUserId(n, at("/etc/passwd")), groupId: (n: string) => resolveGroupId(n, at("/etc/group")) };
  const opts = { ...base, files, facts: await readFacts(base.files, base.root) };
  first = await converge(resources(), opts);
  second = await converge(resources(), opts);
}, 120_000);

afterAll(async () => {
  await host?.stop();
});

describe("the platform stand-ins converge the agent's kinds", () => {
  it("the first converge applies every resource and fails none; the packages made the accounts as EL's do", () => {
    expect(first.results.filter((r) => r.outcome === "failed")).toEqual([]);
    const accounts = ["group:apache", "user:apache", "user:kojibuilder"];
    for (const r of first.results) expect([r.id, r.outcome]).toEqual([r.id, accounts.includes(r.id) ? "unchanged" : "changed"]);
  });

  it("the second converge plans nothing", () => {
    expect(second.results.filter((r) => r.outcome !== "unchanged").map((r) => [r.id, r.outcome, r.changes, r.error])).toEqual([]);
  });
});

describe("what the stand-ins leave is what EL's tools would", () => {
  it("rpm answers from the packages dnf installed, and dnf refuses a package it has no entry for", async () => {
    expect((await sh("rpm", "-q", "koji-hub", "koji-builder")).stdout).toBe(`koji-hub-${src.version}-lane.noarch\nkoji-builder-${src.version}-lane.noarch\n`);
    await expect(sh("rpm", "-q", "koji-hub", "koji-vm")).rejects.toThrow("package koji-vm is not installed");
    await expect(sh("dnf", "-y", "install", "koji-vm")).rejects.toThrow(/No match for argument: koji-vm[\s\S]*el-packages\.ts/);
  });

  it("kojid and the koji CLI run on Debian's python3 from their #! line", async () => {
    expect((await readFile(at("/usr/sbin/kojid"), "utf8")).split("\n")[0]).toBe("#!/usr/bin/python3");
    expect((await sh("/usr/sbin/kojid", "--help")).stdout).toContain("--fg");
    expect((await sh("/usr/bin/koji", "--help")).stdout).toMatch(/^usage: koji /im);
  });

  it("update-ca-trust put the fleet CA into EL's bundle and the one Debian's OpenSSL and requests read", async () => {
    for (const bundle of ["/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/certs/ca-certificates.crt"]) {
      const text = await readFile(at(bundle), "utf8");
      expect(text).toContain(caPem);
      expect(text.length).toBeGreaterThan(caPem.length * 10); // and the distribution's CAs
    }
  });

  it("exportfs -v lists the catalog's clients with every option spelled out", async () => {
    expect((await sh("/usr/sbin/exportfs", "-v")).stdout).toBe(
      "/mnt/koji     \t192.168.122.10(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,no_root_squash,no_all_squash)\n" +
        "/mnt/koji     \t192.168.122.13(sync,wdelay,hide,no_subtree_check,sec=sys,ro,secure,root_squash,no_all_squash)\n",
    );
  });

  it("/mnt/koji is mounted from the NFS host as findmnt shows it, with the NFS host's tree in it", async () => {
    const { stdout } = await sh("findmnt", "-J", "-M", TOPDIR, "-o", "TARGET,SOURCE,FSTYPE,OPTIONS");
    expect(JSON.parse(stdout).filesystems).toMatchObject([{ target: TOPDIR, source: "cs10-koji-02.mx-os:/mnt/koji", fstype: "nfs4", options: expect.stringMatching(/^rw,.*,hard,/) }]);
    expect((await stat(at(`${TOPDIR}/packages`))).uid).toBe(48);
    await sh("umount", TOPDIR); // the agent's unmount: the lane's bind stays
    await expect(sh("findmnt", "-J", "-M", TOPDIR, "-o", "TARGET,SOURCE,FSTYPE,OPTIONS")).rejects.toThrow();
    await sh(`${LANE_DIR}/real/umount`, TOPDIR); // without the lane's bind there is nothing to mount
    await expect(sh("mount", TOPDIR)).rejects.toThrow("has not bind-mounted the NFS host's tree there");
    await sh("mount", "--bind", join(dir, "nfs-tree"), TOPDIR);
    await sh("mount", TOPDIR);
    expect((await sh("findmnt", "-J", "-M", TOPDIR, "-o", "SOURCE")).stdout).toContain('"source": "cs10-koji-02.mx-os:/mnt/koji"');
  });

  it("SELinux booleans are on now and after reboot; the lookaside tree carries its rule's type", async () => {
    expect((await sh("getsebool", "httpd_use_nfs")).stdout).toBe("httpd_use_nfs --> on\n");
    expect((await sh("semanage", "boolean", "-l")).stdout).toMatch(/^httpd_can_network_connect_db +\(on +, +on\)/m);
    expect((await sh("semanage", "fcontext", "-l", "-C")).stdout).toMatch(/^\/srv\/cache\/lookaside\/pkgs\(\/\.\*\)\? +all files +system_u:object_r:httpd_sys_rw_content_t:s0 $/m);
    await writeFile(at("/srv/cache/lookaside/pkgs/upload"), "");
    expect((await sh("restorecon", "-R", "-n", "-v", "/srv/cache")).stdout).toBe(""); // a new file takes its directory's type
  });

  it("firewalld's public zone opens the catalogs' services in both configurations; a runtime-only rule goes at --reload", async () => {
    const want = "cockpit dhcpv6-client https nfs postgresql ssh\n";
    expect((await sh("firewall-cmd", "--permanent", "--zone=public", "--list-services")).stdout).toBe(want);
    expect((await sh("firewall-cmd", "--zone=public", "--list-services")).stdout).toBe(want);
    await sh("firewall-cmd", "--zone=public", "--add-port=8000-8010/tcp", "--add-port=8005/tcp");
    expect((await sh("firewall-cmd", "--zone=public", "--list-ports")).stdout).toBe("8000-8010/tcp\n");
    expect((await sh("firewall-cmd", "--permanent", "--zone=public", "--list-ports")).stdout).toBe("");
    await sh("firewall-cmd", "--reload");
    expect((await sh("firewall-cmd", "--zone=public", "--list-ports")).stdout).toBe("");
  });

  it("postgresql-setup made the cluster as postgres, peer on the socket and SCRAM over TCP; journalctl shows a unit's log", async () => {
    const data = "/var/lib/pgsql/data";
    expect((await stat(at(`${data}/PG_VERSION`))).uid).toBe((await stat(at("/var/lib/pgsql"))).uid);
    expect(await readFile(at(`${data}/pg_hba.conf`), "utf8")).toMatch(/^local +all +all +peer$[\s\S]*^host +all +all +127\.0\.0\.1\/32 +scram-sha-256$/m);
    await mkdir(at("/var/log/koji-lane"), { recursive: true });
    await writeFile(at("/var/log/koji-lane/postgresql.service.log"), "one\ntwo\nthree\n");
    expect((await sh("journalctl", "-u", "postgresql", "-n", "2", "--no-pager", "-o", "cat")).stdout).toBe("two\nthree\n");
  });

  it("httpd runs Debian's apache2 on EL's main config, the rendered ssl.conf's EL-only words edited in a copy", async () => {
    // The hub's vhost as rendered, the test's CA standing in for its certificate and key.
    for (const d of ["/etc/pki/koji/certs", "/etc/pki/koji/private"]) await mkdir(at(d), { recursive: true });
    for (const f of ["/etc/pki/koji/certs/kojihub.crt", "/etc/pki/koji/koji_ca_cert.crt"]) await writeFile(at(f), caPem);
    await writeFile(at("/etc/pki/koji/private/kojihub.key"), await readFile(join(dir, "ca.key")));
    await writeFile(at("/etc/httpd/conf.d/ssl.conf"), c.content(HUB, "/etc/httpd/conf.d/ssl.conf"));
    expect((await sh("/usr/sbin/httpd", "-t")).stderr).toContain("Syntax OK");
    expect(await readFile(at("/etc/httpd/conf.d/ssl.conf"), "utf8")).toContain("PROFILE=SYSTEM");
  });
});
