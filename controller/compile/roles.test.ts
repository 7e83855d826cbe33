import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Resource } from "../../shared/protocol.js";
import type { FleetConfig } from "../config/fleet-schema.js";
import { loadFleet } from "../config/load-fleet.js";
import { compileFleet } from "./compile.js";
import { parseIni } from "./ini.js";

function reference(): FleetConfig {
  const result = loadFleet(readFileSync(new URL("../../gitops/fleet.yaml", import.meta.url)), "fleet.yaml");
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.fleet;
}

/** Compiles `fleet` and returns a reader of one host's resources. */
function compiled(fleet: FleetConfig = reference()) {
  const catalogs = compileFleet(fleet);
  const host = (name: string) => {
    const c = catalogs.find((x) => x.host === name);
    if (!c) throw new Error(`no catalog for ${name}`);
    return c;
  };
  const resource = (name: string, id: string): Resource => {
    const r = host(name).resources.find((x) => x.id === id);
    if (!r) throw new Error(`${name} has no ${id}: ${host(name).resources.map((x) => x.id).join(", ")}`);
    return r;
  };
  const content = (name: string, path: string) => String(resource(name, `file:${path}`).props.content);
  const ini = (name: string, path: string, section: string) => parseIni(content(name, path))[section] ?? {};
  return { catalogs, host, resource, content, ini };
}

describe("hub role", () => {
  const { ini, resource, content } = compiled();
  const hub = ini("cs10-koji-00", "/etc/koji-hub/hub.conf", "hub");

  it.each([
    ["DBName", "koji"],
    ["DBUser", "koji"],
    ["DBHost", "cs10-koji-01.mx-os"],
    ["DBPort", "5432"],
    ["KojiDir", "/mnt/koji"],
    ["DNUsernameComponent", "CN"],
    ["ProxyDNs", "CN=cs10-koji-00.mx-os,OU=kojiweb,O=mx-os-koji"],
    ["KojiWebURL", "https://cs10-koji-00.mx-os/koji"],
    ["DisableNotifications", "True"],
    ["CheckClientIP", "False"],
    ["LoginCreatesUser", "True"],
    ["EmailDomain", "mx-os"],
    ["RepoQueueUser", "kojira"],
  ])("hub.conf %s = %s", (key, value) => {
    expect(hub[key]).toBe(value);
  });

  it("keeps the database password out of hub.conf and says where it goes", () => {
    expect(hub).not.toHaveProperty("DBPass");
    expect(content("cs10-koji-00", "/etc/koji-hub/hub.conf")).toContain("/etc/koji-hub/hub.conf.d/koji-fleet-secrets.conf");
  });

  it("is 0640 root:apache like the package and requires its directory", () => {
    const r = resource("cs10-koji-00", "file:/etc/koji-hub/hub.conf");
    expect(r.props).toMatchObject({ mode: "0640", owner: "root", group: "apache" });
    expect(r.requires).toEqual(["directory:/etc/koji-hub"]);
  });

  it("recycles httpd children", () => {
    expect(content("cs10-koji-00", "/etc/httpd/conf.d/koji-fleet-mpm.conf")).toMatch(/^MaxConnectionsPerChild 100$/m);
  });
});

describe("web and kojira roles", () => {
  const { ini, content } = compiled();

  it("web.conf points at the hub with the proxy certificate and no Secret", () => {
    expect(ini("cs10-koji-00", "/etc/kojiweb/web.conf", "web")).toEqual({
      SiteName: "MxOS Koji",
      KojiHubURL: "https://cs10-koji-00.mx-os/kojihub",
      KojiFilesURL: "https://cs10-koji-00.mx-os/kojifiles",
      WebCert: "/etc/kojiweb/kojiweb.pem",
      KojiHubCA: "/etc/pki/koji/koji_ca_cert.crt",
      LoginTimeout: "72",
      LibPath: "/usr/share/koji-web/lib",
    });
    expect(content("cs10-koji-00", "/etc/kojiweb/web.conf")).toContain("web.conf.d/koji-fleet-secrets.conf");
  });

  it("kojira.conf has the 1.35 keys only", () => {
    expect(ini("cs10-koji-00", "/etc/kojira/kojira.conf", "kojira")).toEqual({
      server: "https://cs10-koji-00.mx-os/kojihub",
      topdir: "/mnt/koji",
      logfile: "/var/log/kojira.log",
      cert: "/etc/kojira/client.crt",
      serverca: "/etc/pki/koji/koji_ca_cert.crt",
      check_external_repos: "True",
      max_delete_processes: "4",
    });
  });
});

describe("builder role", () => {
  it("kojid.conf has server, topurl, topdir, a separate workdir, certs and limits", () => {
    const kojid = compiled().ini("cs10-koji-03", "/etc/kojid/kojid.conf", "kojid");
    expect(kojid).toMatchObject({
      server: "https://cs10-koji-00.mx-os/kojihub",
      topurl: "https://cs10-koji-00.mx-os/kojifiles",
      topdir: "/mnt/koji",
      workdir: "/var/tmp/koji",
      cert: "/etc/kojid/client.crt",
      serverca: "/etc/pki/koji/koji_ca_cert.crt",
      allowed_scms: "git.mx-os.mx:/RPMs/*:no",
      maxjobs: "10",
      minspace: "8192",
    });
    expect(kojid.workdir).not.toBe(kojid.topdir);
    expect(Object.keys(parseIni(compiled().content("cs10-koji-03", "/etc/kojid/kojid.conf")))).toEqual(["kojid"]);
  });

  it("takes per-host settings over koji.builders", () => {
    const fleet = reference();
    fleet.hosts[3]!.settings = { maxjobs: 3, minspace: 1000, allowedScms: ["a.example:/x/*", "!b.example:/y"] };
    expect(compiled(fleet).ini("cs10-koji-03", "/etc/kojid/kojid.conf", "kojid")).toMatchObject({
      maxjobs: "3",
      minspace: "1000",
      allowed_scms: "a.example:/x/* !b.example:/y",
    });
  });
});

describe("nfs role", () => {
  const { resource, content, host } = compiled();

  it("creates the Koji tree owned by apache's uid 48", () => {
    for (const dir of ["/mnt/koji", "/mnt/koji/packages", "/mnt/koji/repos", "/mnt/koji/work", "/mnt/koji/scratch", "/mnt/koji/repos-dist"]) {
      expect(resource("cs10-koji-02", `directory:${dir}`).props).toEqual({ path: dir, mode: "0755", owner: "48", group: "48" });
    }
    expect(resource("cs10-koji-02", "directory:/mnt/koji/repos").requires).toEqual(["directory:/mnt/koji"]);
  });

  it("exports rw to hub+kojira without root squashing, ro to builders", () => {
    const lines = content("cs10-koji-02", "/etc/exports.d/koji.exports").split("\n").filter((l) => !l.startsWith("#"));
    expect(lines).toEqual([
      "/mnt/koji \\",
      "    192.168.122.10(rw,sync,no_subtree_check,no_root_squash) \\",
      "    192.168.122.13(ro,sync,no_subtree_check,root_squash)",
      "",
    ]);
  });

  it("probes the tree", () => {
    expect(host("cs10-koji-02").probes).toContainEqual({ id: "path:/mnt/koji/repos", kind: "path", props: { path: "/mnt/koji/repos", type: "directory" } });
  });
});

describe("database role", () => {
  it("listens on its own address, scram, UTC, and admits only the hub", () => {
    const { content, resource } = compiled();
    const settings = content("cs10-koji-01", "/var/lib/pgsql/data/koji-fleet.conf");
    expect(settings).toMatch(/^listen_addresses = 'localhost,192\.168\.122\.11'$/m);
    expect(settings).toMatch(/^password_encryption = 'scram-sha-256'$/m);
    expect(settings).toMatch(/^timezone = 'UTC'$/m);
    const hba = content("cs10-koji-01", "/var/lib/pgsql/data/pg_hba-koji-fleet.conf").split("\n").filter((l) => l && !l.startsWith("#"));
    expect(hba.map((l) => l.split(/\s+/).slice(0, 5).join(" "))).toEqual(["host koji koji 192.168.122.10/32 scram-sha-256"]);
    expect(resource("cs10-koji-01", "file:/var/lib/pgsql/data/pg_hba-koji-fleet.conf").props).toMatchObject({ mode: "0600", owner: "postgres" });
  });

  it("writes /128 for an IPv6 hub", () => {
    const fleet = reference();
    fleet.hosts[0]!.address = "2001:db8:0:0::10";
    const hba = compiled(fleet).content("cs10-koji-01", "/var/lib/pgsql/data/pg_hba-koji-fleet.conf");
    expect(hba).toMatch(/^host {4}koji {4}koji {4}2001:db8::10\/128 {4}scram-sha-256/m);
  });
});

describe("lookaside role", () => {
  it("creates the tarball directory and serves it with a large body limit", () => {
    const { resource, content } = compiled();
    expect(resource("cs10-koji-04", "directory:/srv/cache/lookaside/pkgs").props).toMatchObject({ mode: "02775", owner: "apache", group: "apache" });
    expect(resource("cs10-koji-04", "directory:/srv/cache/lookaside/pkgs").requires).toEqual(["directory:/srv/cache/lookaside"]);
    const conf = content("cs10-koji-04", "/etc/httpd/conf.d/lookaside.conf");
    expect(conf).toContain("Alias /repo/pkgs /srv/cache/lookaside/pkgs\n");
    expect(conf).toMatch(/^ {4}LimitRequestBody 10737418240$/m);
  });
});

describe("every host", () => {
  it("gets the client profile and the profile command", () => {
    const { catalogs, ini, resource } = compiled();
    for (const c of catalogs) {
      expect(ini(c.host, "/etc/koji.conf.d/mx-os-koji.conf", "mx-os-koji")).toMatchObject({
        server: "https://cs10-koji-00.mx-os/kojihub",
        weburl: "https://cs10-koji-00.mx-os/koji",
        topurl: "https://cs10-koji-00.mx-os/kojifiles",
        authtype: "ssl",
      });
      expect(resource(c.host, "symlink:/usr/local/bin/mx-os-koji").props).toEqual({ path: "/usr/local/bin/mx-os-koji", target: "/usr/bin/koji" });
    }
  });

  it("links /mnt/koji on the hub when topdir lives elsewhere", () => {
    const fleet = reference();
    fleet.koji!.topdir = "/srv/koji";
    const { resource, host } = compiled(fleet);
    expect(resource("cs10-koji-00", "symlink:/mnt/koji").props).toEqual({ path: "/mnt/koji", target: "/srv/koji" });
    expect(host("cs10-koji-02").resources.map((r) => r.id)).toContain("directory:/srv/koji/repos");
  });
});
