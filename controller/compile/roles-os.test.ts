// The OS side of the roles: packages, services, mounts, exports, PostgreSQL, httpd structure,
// and what happens when roles share a host.
import { describe, expect, it } from "vitest";
import { directivesNamed, httpdStructure } from "./httpd-lint.js";
import { hbaLine, schemaSource, type HbaRule } from "./roles/database.js";
import { BUILDER, compiled, DB, HUB, LOOKASIDE, NFS, reference } from "../../test/support/compiled-fleet.js";

const packagesOf = (c: ReturnType<typeof compiled>, host: string) => (c.resource(host, "package:roles").props.packages as { name: string }[]).map((p) => p.name);

describe("packages: one transaction per host, after EPEL and CRB", () => {
  const c = compiled();
  it.each([
    [HUB, ["httpd", "koji", "koji-hub", "koji-utils", "koji-web", "mod_ssl", "nfs-utils", "policycoreutils-python-utils", "postgresql"]],
    [DB, ["koji", "postgresql", "postgresql-server"]],
    [NFS, ["koji", "nfs-utils"]],
    [BUILDER, ["koji", "koji-builder", "nfs-utils"]],
    [LOOKASIDE, ["httpd", "koji", "mod_ssl", "policycoreutils-python-utils", "python3"]],
  ])("%s installs %j", (host, names) => {
    expect(packagesOf(c, host)).toEqual(names);
    expect(c.resource(host, "package:roles").props.repos).toEqual([{ id: "epel", enabled: true }]);
    expect(c.resource(host, "package:roles").requires).toEqual(["package:epel"]);
    expect(c.resource(host, "package:epel").props).toEqual({ packages: [{ name: "epel-release" }], repos: [{ id: "crb", enabled: true }] });
  });

  it("every other resource but gates and the farm's names comes after the packages", () => {
    for (const cat of c.catalogs) for (const r of cat.resources) if (r.kind !== "package" && r.kind !== "gate" && r.kind !== "hosts-entries") expect(r.requires, r.id).toContain("package:roles");
  });
});

describe("database role", () => {
  const c = compiled();
  const cluster = c.resource(DB, "postgres-cluster:/var/lib/pgsql/data");

  it("settings: own address + localhost, scram, UTC, a connection for every hub thread", () => {
    expect(cluster.props.settings).toEqual({ listen_addresses: "localhost,192.168.122.11", port: 5432, password_encryption: "scram-sha-256", timezone: "UTC", max_connections: 100 });
  });

  it("caps each hub's httpd threads (kojihub holds a connection per thread) and sizes max_connections from every hub", () => {
    const args = (c: ReturnType<typeof compiled>, host: string, name: string) =>
      directivesNamed(httpdStructure(String(c.resource(host, "file:/etc/httpd/conf.d/koji-fleet-mpm.conf").props.content)), name).map((d) => `${d.within.join(" ")}: ${d.args}`);
    expect(args(c, HUB, "ServerLimit")).toEqual(["IfModule mpm_event_module: 3", "IfModule mpm_prefork_module: 75"]);
    expect(args(c, HUB, "MaxRequestWorkers")).toEqual(["IfModule mpm_event_module: 75", "IfModule mpm_prefork_module: 75"]);
    // 110 workers asked: 5 children of 25, 125 threads; 125 + 25 spare connections.
    const fleet = reference();
    const c2 = compiled({ ...fleet, koji: { ...fleet.koji, hub: { ...fleet.koji?.hub, maxRequestWorkers: 110 } } });
    expect((c2.resource(DB, "postgres-cluster:/var/lib/pgsql/data").props.settings as Record<string, unknown>).max_connections).toBe(150);
    expect(args(c2, HUB, "MaxRequestWorkers")).toEqual(["IfModule mpm_event_module: 125", "IfModule mpm_prefork_module: 125"]);
    // A web-only or lookaside httpd holds no database connection: no cap there.
    expect(c.host(LOOKASIDE).resources.some((r) => r.id === "file:/etc/httpd/conf.d/koji-fleet-mpm.conf")).toBe(false);
  });

  it("pg_hba: postgres by peer, koji on 127.0.0.1 (schema load) and from the hub, scram (exact text)", () => {
    expect((cluster.props.hba as HbaRule[]).map(hbaLine)).toEqual([
      "local all postgres peer",
      "host koji koji 127.0.0.1/32 scram-sha-256",
      "host koji koji 192.168.122.10/32 scram-sha-256",
    ]);
  });

  it("an IPv6 hub gets /128", () => {
    const fleet = reference();
    fleet.hosts[0]!.address = "2001:db8:0:0::10";
    const hba = compiled(fleet).resource(DB, "postgres-cluster:/var/lib/pgsql/data").props.hba as HbaRule[];
    expect(hba.map(hbaLine)).toContain("host koji koji 2001:db8::10/128 scram-sha-256");
  });

  it("role, database, schema and admin in order, the service started after initdb, firewall postgresql", () => {
    expect(c.resource(DB, "service:postgresql.service").requires).toContain("postgres-cluster:/var/lib/pgsql/data");
    expect(c.resource(DB, "postgres-role:koji").props).toEqual({ name: "koji", login: true, passwordSecret: "koji-db-password", connection: { host: "/run/postgresql", port: 5432, runAs: "postgres" } });
    expect(c.resource(DB, "postgres-database:koji").props).toMatchObject({ name: "koji", owner: "koji" });
    expect(c.resource(DB, "postgres-sql:koji-schema").requires).toContain("postgres-database:koji");
    expect(c.resource(DB, "postgres-sql:koji-bootstrap-admin").requires).toContain("postgres-sql:koji-schema");
    expect(c.resource(DB, "firewall:public").props).toEqual({ zone: "public", services: ["postgresql"] });
  });

  it("picks the schema file by Koji version", () => {
    expect(schemaSource("1.35")).toEqual({ file: "/usr/share/koji/schema.sql" });
    expect(schemaSource("1.34.1")).toEqual({ file: "/usr/share/koji/schema.sql" });
    expect(schemaSource("1.33")).toEqual({ sqlGlob: "/usr/share/doc/koji*/docs/schema.sql" });
  });

  it("the bootstrap admin SQL inserts by name, idempotently", () => {
    const sql = c.content(DB, "/var/lib/koji-fleet/sql/bootstrap-admin.sql");
    expect(sql).toContain("SELECT 'kojiadmin', 0, 0\n  WHERE NOT EXISTS (SELECT 1 FROM users WHERE name = 'kojiadmin');");
    expect(sql).toMatch(/WHERE u\.name = 'kojiadmin' AND p\.name = 'admin'\n {2}AND NOT EXISTS/);
    expect(sql.split("\n").filter((l) => l && !l.startsWith("--") && !l.startsWith(" ")).length).toBe(2);
  });
});

describe("nfs role", () => {
  const c = compiled();
  it("exports rw + no_root_squash to hub/kojira, ro + root_squash to builders, NFSv4 only", () => {
    expect(c.resource(NFS, "nfs-export:/mnt/koji").props).toEqual({
      path: "/mnt/koji",
      file: "koji",
      clients: [
        { host: "192.168.122.10", options: ["rw", "sync", "no_subtree_check", "no_root_squash"] },
        { host: "192.168.122.13", options: ["ro", "sync", "no_subtree_check", "root_squash"] },
      ],
    });
    expect(c.resource(NFS, "firewall:public").props.services).toEqual(["nfs"]);
    expect(c.resource(NFS, "service:nfs-server.service").props).toEqual({ name: "nfs-server.service", enabled: true, state: "running" });
  });

  it("clients mount it over NFSv4: rw on the hub, ro on builders, from the nfs host's FQDN", () => {
    expect(c.resource(HUB, "mount:/mnt/koji").props).toEqual({ path: "/mnt/koji", device: "cs10-koji-02.mx-os:/mnt/koji", fstype: "nfs4", options: "rw,hard,_netdev" });
    expect(c.resource(BUILDER, "mount:/mnt/koji").props).toMatchObject({ options: "ro,hard,_netdev" });
    for (const [host, unit] of [[HUB, "httpd.service"], [HUB, "kojira.service"], [BUILDER, "kojid.service"]] as const) {
      expect(c.resource(host, `systemd-dropin:${unit}/koji-fleet.conf`).props.content).toMatch(/^\[Unit\]\nRequiresMountsFor=\/mnt\/koji\n$/m);
      expect(c.resource(host, `service:${unit}`).requires).toEqual(expect.arrayContaining(["mount:/mnt/koji", `systemd-dropin:${unit}/koji-fleet.conf`]));
    }
  });
});

describe("httpd: one vhost per host, structurally valid", () => {
  const c = compiled();
  it.each([HUB, LOOKASIDE])("%s: ssl.conf balances and has one vhost with the host's certificate", (host) => {
    const s = httpdStructure(c.content(host, "/etc/httpd/conf.d/ssl.conf"));
    expect(s.errors).toEqual([]);
    expect(s.sections).toEqual(["VirtualHost _default_:443"]);
    const cert = host === HUB ? "kojihub" : "lookaside";
    expect(directivesNamed(s, "SSLCertificateFile").map((d) => d.args)).toEqual([`/etc/pki/koji/certs/${cert}.crt`]);
    expect(directivesNamed(s, "SSLCertificateKeyFile").map((d) => d.args)).toEqual([`/etc/pki/koji/private/${cert}.key`]);
    expect(directivesNamed(s, "SSLCACertificateFile").map((d) => d.args)).toEqual(["/etc/pki/koji/koji_ca_cert.crt"]);
    expect(directivesNamed(s, "Listen").map((d) => d.args)).toEqual(["443 https"]);
    expect(c.resource(host, "firewall:public").props.services).toEqual(["https"]);
    expect(c.resource(host, "service:httpd.service").props).toEqual({ name: "httpd.service", enabled: true, state: "running", reload: true });
  });

  it("lookaside.conf: upload ScriptAlias before the Alias, body limit on /repo/pkgs", () => {
    const s = httpdStructure(c.content(LOOKASIDE, "/etc/httpd/conf.d/lookaside.conf"));
    expect(s.errors).toEqual([]);
    const order = s.directives.filter((d) => /^(Script)?Alias$/.test(d.name)).map((d) => `${d.name} ${d.args}`);
    expect(order).toEqual(["ScriptAlias /repo/pkgs/upload.cgi /var/lib/koji-fleet-lookaside/cgi/upload.cgi", "Alias /repo/pkgs /srv/cache/lookaside/pkgs"]);
    expect(directivesNamed(s, "LimitRequestBody")).toEqual([expect.objectContaining({ args: "10737418240", within: ["Location /repo/pkgs"] })]);
    expect(c.resource(LOOKASIDE, "directory:/srv/cache/lookaside/pkgs").props).toMatchObject({ mode: "02775", owner: "apache", group: "apache" });
    expect(c.resource(LOOKASIDE, "selinux-fcontext:/srv/cache/lookaside/pkgs(/.*)?").props).toMatchObject({ type: "httpd_sys_rw_content_t" });
  });
});

describe("roles sharing a host", () => {
  it("hub on the nfs host: no mount, the tree labeled public_content_rw_t instead of httpd_use_nfs", () => {
    const fleet = reference();
    fleet.hosts[0]!.roles = ["hub", "web", "kojira", "nfs"];
    fleet.hosts.splice(2, 1);
    const c = compiled(fleet);
    expect(c.host(HUB).resources.filter((r) => r.kind === "mount")).toEqual([]);
    expect(c.resource(HUB, "selinux-fcontext:/mnt/koji(/.*)?").props).toMatchObject({ type: "public_content_rw_t" });
    expect(c.find(HUB, "selinux-boolean:httpd_use_nfs")).toBeUndefined();
  });

  it("a builder on the hub mounts rw once; lookaside on the hub shares its vhost and kojihub certificate", () => {
    const fleet = reference();
    fleet.hosts[0]!.roles = ["hub", "web", "kojira", "builder", "lookaside"];
    fleet.hosts.splice(3, 2);
    const c = compiled(fleet);
    expect(c.resource(HUB, "mount:/mnt/koji").props.options).toBe("rw,hard,_netdev");
    expect(c.content(HUB, "/etc/httpd/conf.d/ssl.conf")).toContain("SSLCertificateFile /etc/pki/koji/certs/kojihub.crt");
    expect(c.ofKind(HUB, "service").map((r) => r.id)).toEqual(["service:httpd.service", "service:koji-sweep-db.timer", "service:kojid.service", "service:kojira.service"]);
  });

  it("a web-only host serves with the kojiweb certificate (server-client) and no hub pieces", () => {
    const fleet = reference();
    fleet.hosts[0]!.roles = ["hub", "kojira"];
    fleet.hosts.push({ name: "cs10-koji-05", address: "192.168.122.15", roles: ["web"] });
    const c = compiled(fleet);
    expect(c.content("cs10-koji-05", "/etc/httpd/conf.d/ssl.conf")).toContain("SSLCertificateFile /etc/pki/koji/certs/kojiweb.crt");
    expect(c.resource("cs10-koji-05", "certificate:kojiweb").props).toMatchObject({ usage: "server-client", dnsNames: ["cs10-koji-05.mx-os", "cs10-koji-05"] });
    expect(c.ini(HUB, "/etc/koji-hub/hub.conf", "hub").ProxyDNs).toBe("CN=cs10-koji-05.mx-os,OU=kojiweb,O=mx-os-koji");
    expect(c.find("cs10-koji-05", "mount:/mnt/koji")).toBeUndefined();
  });
});
