// Every generated Koji config file parses as INI and says what an experienced admin would write.
import { describe, expect, it } from "vitest";
import { parseIni } from "./ini.js";
import { BUILDER, compiled, HUB, LOOKASIDE, reference } from "../../test/support/compiled-fleet.js";
import { PATHS } from "./farm.js";
import { SOURCES_SCRIPT } from "./roles/scm-sources.js";

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
      allowed_scms: "git.mx-os.mx:/RPMs/*:no:bash,/credentials/koji-fleet-sources,cs10-koji-04.mx-os",
      scm_credentials_dir: "/etc/kojid/scm-sources",
      maxjobs: "10",
      minspace: "8192",
      use_createrepo_c: "True",
    });
    expect(Object.keys(parseIni(content(BUILDER, "/etc/kojid/kojid.conf")))).toEqual(["kojid"]);
  });

  it("takes per-host settings over koji.builders", () => {
    const fleet = reference();
    fleet.hosts[3]!.settings = { maxjobs: 3, minspace: 1000, allowedScms: ["a.example:/x/*", "!b.example:/y"], scms: [{ host: "c.example", path: "/z/*", sources: "make" }] };
    expect(compiled(fleet).ini(BUILDER, "/etc/kojid/kojid.conf", "kojid")).toMatchObject({ maxjobs: "3", minspace: "1000", allowed_scms: "a.example:/x/* !b.example:/y c.example:/z/*:no" });
  });
});

describe("builder role: sources from the lookaside", () => {
  const withScms = (scms: NonNullable<NonNullable<ReturnType<typeof reference>["koji"]>["builders"]>["scms"]) => {
    const fleet = reference();
    fleet.koji!.builders!.scms = scms;
    return fleet;
  };

  it("an SCM's entry runs koji-fleet-sources from the bind mount with the lookaside host: no ':' in the source command", () => {
    const kojid = compiled(withScms([{ host: "git.example.org", path: "/rpms/*", useCommon: true }])).ini(BUILDER, "/etc/kojid/kojid.conf", "kojid");
    expect(kojid.allowed_scms).toBe("git.example.org:/rpms/*:yes:bash,/credentials/koji-fleet-sources,cs10-koji-04.mx-os");
    expect(kojid.allowed_scms!.split(":")).toHaveLength(4); // koji/daemon.py splits the entry on ':'
    expect(kojid.scm_credentials_dir).toBe("/etc/kojid/scm-sources");
  });

  it("sources: make keeps Koji's default command, none an empty one; neither mounts anything", () => {
    const kojid = compiled(withScms([{ host: "a.example", path: "/x/*", sources: "make" }, { host: "b.example", path: "/y/*", sources: "none" }]));
    expect(kojid.ini(BUILDER, "/etc/kojid/kojid.conf", "kojid")).toMatchObject({ allowed_scms: "a.example:/x/*:no b.example:/y/*:no:" });
    expect(kojid.ini(BUILDER, "/etc/kojid/kojid.conf", "kojid").scm_credentials_dir).toBeUndefined();
    expect(kojid.find(BUILDER, "file:/etc/kojid/scm-sources/koji-fleet-sources")).toBeUndefined();
  });

  it("the bind-mounted directory holds the script (root's, executable) and a copy of the farm CA, no key", () => {
    const c = compiled();
    expect(c.resource(BUILDER, "file:/etc/kojid/scm-sources/koji-fleet-sources").props).toMatchObject({ mode: "0755", owner: "root", group: "root" });
    expect(c.content(BUILDER, "/etc/kojid/scm-sources/koji-fleet-sources")).toBe(SOURCES_SCRIPT);
    const ca = c.resource(BUILDER, "pem-bundle:/etc/kojid/scm-sources/koji_ca_cert.crt");
    expect(ca.props).toMatchObject({ parts: [{ file: PATHS.caCert }], mode: "0644" });
    expect(ca.requires).toContain("certificate:kojid");
  });
});

describe("lookaside role: uploads", () => {
  it("the upload Location admits only verified client certificates, without asking for one per Location", () => {
    const conf = compiled().content(LOOKASIDE, "/etc/httpd/conf.d/lookaside.conf");
    expect(conf).toContain("<Location /repo/pkgs/upload.cgi>\n    # Packagers only: a client certificate of the farm CA, verified in the vhost's handshake.\n    Require ssl-verify-client\n</Location>");
    expect(conf).not.toMatch(/SSLVerifyClient/); // docs/pitfalls.md#pitfall-9
    expect(conf).toContain("LimitRequestBody 10737418240");
  });

  it("the CGI is rendered with the fleet's lookaside directory, executable, in a directory labeled for CGI", () => {
    const fleet = reference();
    fleet.koji!.lookaside = { dir: "/srv/tarballs" };
    const c = compiled(fleet);
    expect(c.content(LOOKASIDE, PATHS.uploadCgi)).toContain('ROOT = "/srv/tarballs"\n');
    expect(c.resource(LOOKASIDE, `file:${PATHS.uploadCgi}`).props).toMatchObject({ mode: "0755", owner: "root" });
    expect(c.resource(LOOKASIDE, "selinux-fcontext:/var/lib/koji-fleet-lookaside/cgi(/.*)?").props).toMatchObject({ type: "httpd_sys_script_exec_t" });
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
