// Every generated Koji config file parses as INI and says what an experienced admin would write.
import { describe, expect, it } from "vitest";
import { parseIni } from "./ini.js";
import { BUILDER, compiled, HUB, reference } from "../../test/support/compiled-fleet.js";

describe("hub role: hub.conf and its secret drop-in", () => {
  const { ini, resource, content } = compiled();
  const hub = ini(HUB, "/etc/koji-hub/hub.conf", "hub");

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

  it("keeps the database password out of hub.conf: a secret-file drop-in read first, 0640 root:apache", () => {
    expect(hub).not.toHaveProperty("DBPass");
    const dropIn = resource(HUB, "secret-file:/etc/koji-hub/hub.conf.d/koji-fleet-secrets.conf");
    expect(dropIn.props).toMatchObject({ mode: "0640", owner: "root", group: "apache" });
    expect(parseIni(String(dropIn.props.template))).toEqual({ hub: { DBPass: "{{secret:koji-db-password}}" } });
    expect(dropIn.notifies).toEqual(["service:httpd.service"]);
    expect(content(HUB, "/etc/koji-hub/hub.conf")).toContain("/etc/koji-hub/hub.conf.d/koji-fleet-secrets.conf");
  });

  it("hub.conf [policy]: koji.hub.policy's rules as continuation lines, read back as Koji's ConfigParser reads them", () => {
    const policy = compiled().ini(HUB, "/etc/koji-hub/hub.conf", "policy");
    expect(policy.build_from_scm!.split("\n")).toEqual([
      "has_perm admin :: allow",
      "has_perm build && match scm_host git.mx-os.mx :: allow",
      "all :: deny building from SCM needs the build permission and git.mx-os.mx",
    ]);
    expect(Object.keys(policy)).toEqual(["build_from_scm", "build_from_srpm"]);
    const fleet = reference();
    delete fleet.koji?.hub?.policy;
    expect(parseIni(compiled(fleet).content(HUB, "/etc/koji-hub/hub.conf"))).not.toHaveProperty("policy");
  });

  it("hub.conf is 0640 root:apache like the package, written after the package, reloads httpd", () => {
    const r = resource(HUB, "file:/etc/koji-hub/hub.conf");
    expect(r.props).toMatchObject({ mode: "0640", owner: "root", group: "apache" });
    expect(r.requires).toEqual(["directory:/etc/koji-hub", "package:roles"]);
    expect(r.notifies).toEqual(["service:httpd.service"]);
  });
});

describe("web role: web.conf, WebCert, Secret", () => {
  const { ini, resource } = compiled();

  it("web.conf points at the hub with the proxy certificate and the farm CA, no Secret", () => {
    expect(ini(HUB, "/etc/kojiweb/web.conf", "web")).toEqual({
      SiteName: "MxOS Koji",
      KojiHubURL: "https://cs10-koji-00.mx-os/kojihub",
      KojiFilesURL: "https://cs10-koji-00.mx-os/kojifiles",
      WebCert: "/etc/kojiweb/kojiweb.pem",
      KojiHubCA: "/etc/pki/koji/koji_ca_cert.crt",
      LoginTimeout: "72",
      LibPath: "/usr/share/koji-web/lib",
    });
  });

  it("Secret comes from the secret named by koji.web.secret, in web.conf.d, 0640 root:apache", () => {
    const dropIn = resource(HUB, "secret-file:/etc/kojiweb/web.conf.d/koji-fleet-secrets.conf");
    expect(parseIni(String(dropIn.props.template))).toEqual({ web: { Secret: "{{secret:kojiweb-session-secret}}" } });
    expect(dropIn.props).toMatchObject({ mode: "0640", owner: "root", group: "apache" });
    const fleet = reference();
    fleet.koji!.web = { ...fleet.koji!.web, secret: "web-cookie" };
    expect(String(compiled(fleet).resource(HUB, dropIn.id).props.template)).toContain("{{secret:web-cookie}}");
  });
});

describe("kojira role", () => {
  it("kojira.conf has the 1.35 keys only, its cert a PEM bundle of CN=kojira", () => {
    const { ini, resource } = compiled();
    expect(ini(HUB, "/etc/kojira/kojira.conf", "kojira")).toEqual({
      server: "https://cs10-koji-00.mx-os/kojihub",
      topdir: "/mnt/koji",
      logfile: "/var/log/kojira.log",
      cert: "/etc/kojira/client.crt",
      serverca: "/etc/pki/koji/koji_ca_cert.crt",
      check_external_repos: "True",
      max_delete_processes: "4",
    });
    expect(resource(HUB, "certificate:kojira").props).toMatchObject({ subject: [["O", "mx-os-koji"], ["OU", "kojira"], ["CN", "kojira"]], usage: "client" });
    expect(resource(HUB, "service:kojira.service").requires).toContain("file:/etc/kojira/kojira.conf");
  });
});

describe("builder role: kojid.conf", () => {
  it("has server, topurl, topdir, a separate workdir, certs and limits; one [kojid] section", () => {
    const { ini, content } = compiled();
    const kojid = ini(BUILDER, "/etc/kojid/kojid.conf", "kojid");
    expect(kojid).toEqual({
      server: "https://cs10-koji-00.mx-os/kojihub",
      topurl: "https://cs10-koji-00.mx-os/kojifiles",
      topdir: "/mnt/koji",
      workdir: "/var/tmp/koji",
      mockdir: "/var/lib/mock",
      mockuser: "kojibuilder",
      cert: "/etc/kojid/client.crt",
      serverca: "/etc/pki/koji/koji_ca_cert.crt",
      allowed_scms: "git.mx-os.mx:/RPMs/*:no",
      maxjobs: "10",
      minspace: "8192",
      use_createrepo_c: "True",
    });
    expect(Object.keys(parseIni(content(BUILDER, "/etc/kojid/kojid.conf")))).toEqual(["kojid"]);
  });

  it("takes per-host settings over koji.builders", () => {
    const fleet = reference();
    fleet.hosts[3]!.settings = { maxjobs: 3, minspace: 1000, allowedScms: ["a.example:/x/*", "!b.example:/y"] };
    expect(compiled(fleet).ini(BUILDER, "/etc/kojid/kojid.conf", "kojid")).toMatchObject({ maxjobs: "3", minspace: "1000", allowed_scms: "a.example:/x/* !b.example:/y" });
  });
});

describe("every host: the koji client profile", () => {
  it("parses, points at the hub, and has a profile command", () => {
    const { catalogs, ini, resource } = compiled();
    for (const c of catalogs) {
      expect(ini(c.host, "/etc/koji.conf.d/mx-os-koji.conf", "mx-os-koji")).toEqual({
        server: "https://cs10-koji-00.mx-os/kojihub",
        weburl: "https://cs10-koji-00.mx-os/koji",
        topurl: "https://cs10-koji-00.mx-os/kojifiles",
        topdir: "/mnt/koji",
        authtype: "ssl",
        cert: "~/.koji/client.crt",
        serverca: "/etc/pki/koji/koji_ca_cert.crt",
      });
      expect(resource(c.host, "symlink:/usr/local/bin/mx-os-koji").props).toEqual({ path: "/usr/local/bin/mx-os-koji", target: "/usr/bin/koji" });
    }
  });

  it("on the hub, root's ~/.koji/client.crt is the admin's PEM (CN = koji.adminUser)", () => {
    const { resource } = compiled();
    expect(resource(HUB, "certificate:kojiadmin").props).toMatchObject({ subject: [["O", "mx-os-koji"], ["OU", "kojiadmin"], ["CN", "kojiadmin"]], usage: "client" });
    expect(resource(HUB, "pem-bundle:/root/.koji/client.crt").props).toMatchObject({ mode: "0600", parts: [{ file: "/etc/pki/koji/certs/kojiadmin.crt" }, { file: "/etc/pki/koji/private/kojiadmin.key" }] });
    expect(resource(HUB, "directory:/root/.koji").props).toMatchObject({ mode: "0700" });
  });
});
