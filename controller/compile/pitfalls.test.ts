// docs/pitfalls.md: the ten classic Koji deployment pitfalls (and the smaller ones after them), each a
// test that fails if a change to the compiler brings the pitfall back. Checked on the reference
// farm and on a farm with two web hosts and a second builder.
import { describe, expect, it } from "vitest";
import type { CatalogContent, Resource } from "../../shared/protocol.js";
import { directivesNamed, httpdStructure } from "./httpd-lint.js";
import { parseIni } from "./ini.js";
import { rfc2253, type Subject } from "./pki.js";
import { type HbaRule } from "./roles/database.js";
import { compiled, DB, HUB, NFS, reference } from "../../test/support/compiled-fleet.js";

/** Two web hosts, two builders, and kojira on a host of its own (so hub and kojira differ). */
function bigger() {
  const fleet = reference();
  fleet.hosts[0]!.roles = ["hub", "web"];
  fleet.hosts.push(
    { name: "cs10-koji-05", address: "192.168.122.15", roles: ["web"] },
    { name: "cs10-koji-06", address: "192.168.122.16", roles: ["builder"] },
    { name: "cs10-koji-07", address: "192.168.122.17", roles: ["kojira"] },
  );
  return fleet;
}
const farms = [["reference farm", reference()], ["two webs, two builders, kojira apart", bigger()]] as const;
const all = (c: ReturnType<typeof compiled>, kind: string): [CatalogContent, Resource][] => c.catalogs.flatMap((cat) => cat.resources.filter((r) => r.kind === kind).map((r) => [cat, r] as [CatalogContent, Resource]));
const files = (cat: CatalogContent, under: string) => cat.resources.filter((r) => r.kind === "file" && String(r.props.path).startsWith(under));

describe.each(farms)("Koji pitfalls, %s", (_name, fleet) => {
  const c = compiled(fleet);
  const hostAt = (address: string) => fleet.hosts.find((h) => h.address === address)!.name;
  const KOJIRA = fleet.hosts.find((h) => h.roles.includes("kojira"))!.name;
  it("1. ProxyDNs lists exactly the RFC 2253 form of every kojiweb certificate resource's subject", () => {
    const webCerts = all(c, "certificate").filter(([, r]) => r.props.name === "kojiweb");
    expect(webCerts.length).toBeGreaterThan(0);
    const dns = webCerts.map(([, r]) => rfc2253(r.props.subject as Subject));
    expect(c.ini(HUB, "/etc/koji-hub/hub.conf", "hub").ProxyDNs!.split("|")).toEqual(dns);
    for (const dn of dns) expect(dn).toMatch(/^CN=[^,]+,OU=kojiweb,O=/);
  });

  it("2. kojid requires the closed registration gate, and its certificate CN is the add-host name", () => {
    for (const [cat, kojid] of all(c, "service").filter(([, r]) => r.id === "service:kojid.service")) {
      expect(kojid.requires).toContain("gate:koji-host-registered");
      const gate = c.resource(cat.host, "gate:koji-host-registered").props;
      expect(gate.open).toBe(false);
      const cn = (c.resource(cat.host, "certificate:kojid").props.subject as Subject).find(([t]) => t === "CN")![1];
      expect(cn).toBe(`${cat.host}.mx-os`);
      expect(gate.waitingFor).toContain(`koji add-host ${cn}`);
    }
  });

  it("3. every cert= / WebCert / admin cert is a pem-bundle of a certificate AND its key", () => {
    const users: [string, string][] = [[KOJIRA, parseIni(c.content(KOJIRA, "/etc/kojira/kojira.conf")).kojira!.cert!], [HUB, c.ini(HUB, "/etc/kojiweb/web.conf", "web").WebCert!], [HUB, "/root/.koji/client.crt"]];
    for (const [cat] of all(c, "service").filter(([, r]) => r.id === "service:kojid.service")) users.push([cat.host, c.ini(cat.host, "/etc/kojid/kojid.conf", "kojid").cert!]);
    for (const [host, path] of users) {
      const bundle = c.resource(host, `pem-bundle:${path}`);
      const cert = all(c, "certificate").find(([cat, r]) => cat.host === host && bundle.requires.includes(r.id))![1];
      expect(bundle.props.parts).toEqual([{ file: cert.props.certFile }, { file: cert.props.keyFile }]);
    }
  });

  it("4. repos can become READY: kojira is the RepoQueueUser, authenticated as it, with the tree rw; builders see the tree", () => {
    const kojiraCn = (c.resource(KOJIRA, "certificate:kojira").props.subject as Subject).find(([t]) => t === "CN")![1];
    expect(c.ini(HUB, "/etc/koji-hub/hub.conf", "hub").RepoQueueUser).toBe(kojiraCn);
    expect(c.resource(KOJIRA, "service:kojira.service").requires).toContain("mount:/mnt/koji");
    expect(c.resource(KOJIRA, "mount:/mnt/koji").props.options).toMatch(/^rw,/);
    for (const [cat] of all(c, "service").filter(([, r]) => r.id === "service:kojid.service")) expect(c.resource(cat.host, "mount:/mnt/koji").props.options).toMatch(/^ro,/);
  });

  it("5. SELinux on the hub: anon write, NFS and the remote database are allowed", () => {
    for (const b of ["httpd_anon_write", "httpd_use_nfs", "httpd_can_network_connect_db"]) expect(c.resource(HUB, `selinux-boolean:${b}`).props).toEqual({ name: b, value: true });
  });

  it("6. database: TCP by FQDN, listening, scram rule per hub address, schema loaded AS koji from the 1.34+ path", () => {
    const hub = c.ini(HUB, "/etc/koji-hub/hub.conf", "hub");
    expect(hub.DBHost).toBe("cs10-koji-01.mx-os");
    const cluster = c.resource(DB, "postgres-cluster:/var/lib/pgsql/data").props;
    expect(cluster.settings).toMatchObject({ listen_addresses: "localhost,192.168.122.11", password_encryption: "scram-sha-256" });
    expect(cluster.hba as HbaRule[]).toContainEqual({ type: "host", database: hub.DBName, user: hub.DBUser, address: "192.168.122.10/32", method: "scram-sha-256" });
    const schema = c.resource(DB, "postgres-sql:koji-schema").props;
    expect(schema).toMatchObject({ file: "/usr/share/koji/schema.sql", runAs: { role: hub.DBUser }, database: hub.DBName });
    expect(c.resource(DB, "postgres-database:koji").props.owner).toBe(hub.DBUser);
    expect(c.resource(DB, "postgres-sql:koji-bootstrap-admin").props.runAs).toMatchObject({ role: hub.DBUser });
  });

  it("7. the tree is owned by uid/gid 48 down from the top; only hub and kojira skip root squashing; clients agree on apache = 48", () => {
    for (const r of c.ofKind(NFS, "directory").filter((d) => String(d.props.path).startsWith("/mnt/koji"))) expect(r.props).toMatchObject({ owner: "48", group: "48" });
    const writers = new Set(c.catalogs.filter((x) => x.roles.some((r) => r === "hub" || r === "kojira")).map((x) => x.host));
    const clients = c.resource(NFS, "nfs-export:/mnt/koji").props.clients as { host: string; options: string[] }[];
    expect(clients.map((x) => hostAt(x.host))).toEqual(all(c, "mount").map(([cat]) => cat.host));
    for (const client of clients) {
      const writer = writers.has(hostAt(client.host));
      expect(client.options.includes("no_root_squash"), client.host).toBe(writer);
      expect(client.options.includes("root_squash"), client.host).toBe(!writer);
    }
    for (const [cat] of all(c, "mount")) expect(c.resource(cat.host, "user:apache").props).toMatchObject({ uid: 48, group: "apache" });
  });

  it("8. kojiweb fully configured: Secret from a secret, WebCert apache-readable, KojiHubCA a file a certificate writes", () => {
    const web = c.ini(HUB, "/etc/kojiweb/web.conf", "web");
    expect(String(c.resource(HUB, "secret-file:/etc/kojiweb/web.conf.d/koji-fleet-secrets.conf").props.template)).toMatch(/^Secret = \{\{secret:[a-z0-9-]+\}\}$/m);
    expect(c.resource(HUB, `pem-bundle:${web.WebCert}`).props).toMatchObject({ mode: "0640", group: "apache" });
    expect(c.resource(HUB, "certificate:kojiweb").props.caFile).toBe(web.KojiHubCA);
  });

  it("9. client certificates are asked for at vhost level (optional + StdEnvVars), never per Location/Directory", () => {
    for (const cat of c.catalogs) {
      for (const f of files(cat, "/etc/httpd/")) {
        const s = httpdStructure(String(f.props.content));
        expect(s.errors, f.id).toEqual([]);
        for (const d of [...directivesNamed(s, "SSLVerifyClient"), ...directivesNamed(s, "SSLOptions"), ...directivesNamed(s, "SSLVerifyDepth")]) {
          expect(d.within, `${cat.host} ${f.id} ${d.name}`).toEqual(["VirtualHost _default_:443"]);
        }
        for (const d of directivesNamed(s, "SSLVerifyClient")) expect(d.args).toBe("optional");
      }
      const ssl = cat.resources.find((r) => r.id === "file:/etc/httpd/conf.d/ssl.conf");
      if (ssl) expect(directivesNamed(httpdStructure(String(ssl.props.content)), "SSLOptions").map((d) => d.args)).toEqual(["+StdEnvVars"]);
    }
  });

  it("10. every server certificate carries SANs: the host's FQDN and short name", () => {
    for (const [cat, r] of all(c, "certificate").filter(([, r]) => r.props.usage !== "client")) {
      expect(r.props.dnsNames, `${cat.host} ${r.id}`).toEqual([`${cat.host}.mx-os`, cat.host]);
    }
  });

  it("also: DB in UTC, workdir outside topdir, httpd children recycled, koji-sweep-db.timer on", () => {
    expect((c.resource(DB, "postgres-cluster:/var/lib/pgsql/data").props.settings as Record<string, unknown>).timezone).toBe("UTC");
    for (const [cat] of all(c, "service").filter(([, r]) => r.id === "service:kojid.service")) {
      const kojid = c.ini(cat.host, "/etc/kojid/kojid.conf", "kojid");
      expect(kojid.workdir!.startsWith(`${kojid.topdir}/`) || kojid.workdir === kojid.topdir).toBe(false);
    }
    for (const cat of c.catalogs.filter((x) => x.roles.some((r) => r === "hub" || r === "web"))) {
      expect(c.content(cat.host, "/etc/httpd/conf.d/koji-fleet-mpm.conf")).toMatch(/^MaxConnectionsPerChild 100$/m);
    }
    expect(c.resource(HUB, "service:koji-sweep-db.timer").props).toEqual({ name: "koji-sweep-db.timer", enabled: true, state: "running" });
  });
});
