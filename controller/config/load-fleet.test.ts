import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatConfigError } from "../../shared/yaml-config.js";
import { ABS_PATH, MAX_HOSTS } from "./fleet-schema.js";
import { loadFleet, MAX_ERRORS } from "./load-fleet.js";
import { SMALL_FLEET } from "../../test/support/small-fleet.js";

const BASE = SMALL_FLEET;

/** BASE with `from` replaced by `to`; fails loudly if `from` is not there, so cases cannot rot. */
function edit(from: string, to: string, base = BASE): string {
  if (!base.includes(from)) throw new Error(`fixture lacks ${from}`);
  return base.replace(from, to);
}

const AS_ROOT = "agents create, chown, relabel or export it as root, so it must be a directory of the farm's own (e.g. under /srv or /mnt)";

const errorsOf = (source: string | Uint8Array): string[] => {
  const result = loadFleet(source, "fleet.yaml");
  return result.ok ? [] : result.errors.map(formatConfigError);
};

describe("loadFleet reports each mistake at file:line:col", () => {
  const invalidUtf8 = Buffer.concat([Buffer.from("apiVersion: koji-fleet/v1\nfleet: { name: fa"), Buffer.from([0xc3, 0x28]), Buffer.from("rm }\n")]);
  const cases: Array<[string, string | Uint8Array, string[]]> = [
    ["YAML syntax error", edit("domain: example.org }", "domain: example.org"), ["fleet.yaml:3:1: Flow map in block collection must be sufficiently indented and end with a }"]],
    ["duplicate key", edit("fleet:", "apiVersion: koji-fleet/v1\nfleet:"), ["fleet.yaml:2:1: Map keys must be unique"]],
    ["unknown top-level key", `${BASE}hostz: []\n`, ["fleet.yaml:8:1: /: unknown key 'hostz'"]],
    ["wrong apiVersion", edit("koji-fleet/v1", "koji-fleet/v2"), ["fleet.yaml:1:13: /: unknown apiVersion 'koji-fleet/v2' (did you mean 'koji-fleet/v1'?); allowed: koji-fleet/v1"]],
    ["wrong type", edit("address: 10.0.0.2", "address: [10, 0]"), ["fleet.yaml:5:27: hosts[1] db1: address must be string"]],
    ["unknown name resolution", edit("domain: example.org }", "domain: example.org, nameResolution: bind9 }"), ["fleet.yaml:2:59: /fleet: unknown nameResolution 'bind9'; allowed: hosts, dns"]],
    ["wrong type, nested default", `${BASE}koji:\n  builders:\n    maxjobs: ten\n`, ["fleet.yaml:10:14: /koji/builders/maxjobs must be integer"]],
    ["typo in a nested key", `${BASE}koji:\n  hub:\n    checkClientIp: false\n`, ["fleet.yaml:10:5: /koji/hub: unknown key 'checkClientIp'"]],
    ["unknown role", edit("roles: [nfs]", "roles: [nfs, kojid]"), ["fleet.yaml:6:51: hosts[2] nfs1: unknown role 'kojid' (did you mean 'kojira'?); allowed: hub, web, kojira, database, nfs, builder, lookaside"]],
    ["a misspelled role: the host named, the role suggested", edit("roles: [builder]", "roles: [builder, lookasde]"), ["fleet.yaml:7:53: hosts[3] b1: unknown role 'lookasde' (did you mean 'lookaside'?); allowed: hub, web, kojira, database, nfs, builder, lookaside"]],
    ["rollout dependency cycle (points at a role in it)", edit("hosts:", "rollout:\n  dependencies:\n    database: [builder]\nhosts:"), ["fleet.yaml:5:5: /rollout/dependencies/database: role dependency cycle: builder → hub → database → builder"]],
    ["duplicate host (points at the second)", edit("name: b1", "name: db1"), ["fleet.yaml:7:13: hosts[3] db1: name: duplicate host name 'db1', first used at line 5"]],
    ["duplicate address", edit("address: 10.0.0.4", "address: 10.0.0.2"), ["fleet.yaml:7:26: hosts[3] b1: address: address 10.0.0.2 is already used by 'db1' at line 5"]],
    ["duplicate IPv6 address in another spelling", edit("10.0.0.4", "'2001:db8:0::1'", edit("10.0.0.3", "'2001:db8::1'")), ["fleet.yaml:7:26: hosts[3] b1: address: address 2001:db8:0::1 is already used by 'nfs1' at line 6"]],
    ["not an IP address", edit("10.0.0.4", "10.0.0.400"), ["fleet.yaml:7:26: hosts[3] b1: address: '10.0.0.400' is not an IPv4 or IPv6 address"]],
    ["two databases", edit("roles: [nfs]", "roles: [nfs, database]"), ["fleet.yaml:6:51: hosts[2] nfs1: roles[1]: role 'database' is already on 'db1'; exactly one is required: the hub keeps all state in it"]],
    ["two kojiras", edit("roles: [builder]", "roles: [builder, kojira]"), ["fleet.yaml:7:53: hosts[3] b1: roles[1]: role 'kojira' is already on 'hub1'; exactly one is required: since Koji 1.35 only kojira turns repo requests into newRepo tasks, and Koji allows only one"]],
    ["missing hub", edit("roles: [hub, web, kojira]", "roles: [web, kojira]"), ["fleet.yaml:3:1: /hosts: no host has role 'hub'; exactly one is required: web, kojira and builders talk to it"]],
    ["missing builder", edit("roles: [builder]", "roles: [lookaside]"), ["fleet.yaml:3:1: /hosts: no host has role 'builder'; at least one is required to build anything"]],
    ["no builder in createrepo", `${BASE}koji:\n  builders:\n    channels: [default]\n`, ["fleet.yaml:3:1: /hosts: no builder is in channel 'createrepo'; repositories would never be generated"]],
    ["settings on a non-builder", edit("roles: [nfs] }", "roles: [nfs], settings: { maxjobs: 3 } }"), ["fleet.yaml:6:52: hosts[2] nfs1: settings: settings override koji.builders and apply only to hosts with role 'builder'"]],
    ["workdir inside topdir", `${BASE}koji:\n  topdir: /var/tmp\n`, ["fleet.yaml:9:11: /koji/topdir: builder workdir /var/tmp/koji overlaps koji.topdir /var/tmp; kojid needs local scratch space outside the shared tree"]],
    ["topdir a system directory", `${BASE}koji:\n  topdir: /etc\n`, [`fleet.yaml:9:11: /koji/topdir: /etc is the system directory /etc; ${AS_ROOT}`]],
    ["lookaside dir inside /root", `${BASE}koji:\n  lookaside:\n    dir: /root/.ssh\n`, [`fleet.yaml:10:10: /koji/lookaside/dir: /root/.ssh is inside the system directory /root; ${AS_ROOT}`]],
    ["builders' workdir inside /lib64", `${BASE}koji:\n  builders:\n    workdir: /lib64/x\n`, [`fleet.yaml:10:14: /koji/builders/workdir: /lib64/x is inside the system directory /lib64; ${AS_ROOT}`]],
    ["a builder's own workdir inside /var/lib/rpm", edit("roles: [builder] }", "roles: [builder], settings: { workdir: /var/lib/rpm/x } }"), [`fleet.yaml:7:75: hosts[3] b1: settings.workdir: /var/lib/rpm/x is inside the system directory /var/lib/rpm; ${AS_ROOT}`]],
    ["topdir walking up with ..", `${BASE}koji:\n  topdir: /usr/../etc/x\n`, [`fleet.yaml:9:11: /koji/topdir must match pattern "${ABS_PATH}"`]],
    ["lookaside dir with //", `${BASE}koji:\n  lookaside:\n    dir: //etc\n`, [`fleet.yaml:10:10: /koji/lookaside/dir must match pattern "${ABS_PATH}"`]],
    ["workdir with a trailing /.", `${BASE}koji:\n  builders:\n    workdir: /etc/.\n`, [`fleet.yaml:10:14: /koji/builders/workdir must match pattern "${ABS_PATH}"`]],
    ["an SCM fetching from a lookaside the farm lacks", `${BASE}koji:\n  builders:\n    scms:\n      - { host: git.example.org, path: /rpms/* }\n`, ["fleet.yaml:11:9: /koji/builders/scms/0: fetches sources from the lookaside (sources: lookaside, the default) but no host has role 'lookaside'; add one or set sources: make or none"]],
    ["a builder's own SCM fetching from a lookaside the farm lacks", edit("roles: [builder] }", "roles: [builder], settings: { scms: [{ host: g.example, path: /x/*, sources: lookaside }] } }"), ["fleet.yaml:7:73: hosts[3] b1: settings.scms[0]: fetches sources from the lookaside (sources: lookaside, the default) but no host has role 'lookaside'; add one or set sources: make or none"]],
    ["an SCM source_cmd cannot hide in host or path", `${BASE}koji:\n  builders:\n    scms:\n      - { host: "g:x", path: /rpms/*, sources: make }\n`, ["fleet.yaml:11:17: /koji/builders/scms/0/host must match pattern \"^[^\\s:%!]{1,253}$\""]],
    ["derived NFS option written by hand", `${BASE}koji:\n  nfs:\n    exportOptions: [rw, sync]\n`, ["fleet.yaml:10:21: /koji/nfs/exportOptions/0: 'rw' is derived from each client's roles (rw for hub and kojira, ro for builders); remove it"]],
    ["kojira as the admin", `${BASE}koji:\n  kojiraUser: kojiadmin\n`, ["fleet.yaml:9:15: /koji/kojiraUser: kojira must not log in as the admin user 'kojiadmin'"]],
    ["web secret = database password", `${BASE}koji:\n  web:\n    secret: koji-db-password\n`, ["fleet.yaml:10:13: /koji/web/secret: koji.web.secret and koji.database.passwordSecret are both 'koji-db-password'; kojiweb's session key must not be the database password"]],
    ["invalid UTF-8", invalidUtf8, ["fleet.yaml:2:18: invalid UTF-8 byte sequence"]],
    ["empty file", "", ["fleet.yaml:1:1: file is empty: expected apiVersion, fleet and hosts"]],
    ["unknown tag", `${BASE}koji:\n  web:\n    siteName: !!js/function "f"\n`, ["fleet.yaml:10:15: Unresolved tag: tag:yaml.org,2002:js/function"]],
    ["only comments", "# yaml-language-server: $schema=./fleet.schema.json\n", ["fleet.yaml:1:1: file is empty: expected apiVersion, fleet and hosts"]],
    ["not a mapping", "- a\n", ["fleet.yaml:1:1: / must be object"]],
    ["alias bomb", "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n", ["fleet.yaml:1:1: cannot read fleet definition: Excessive alias count indicates a resource exhaustion attack"]],
  ];
  it.each(cases)("%s", (_name, source, expected) => {
    expect(errorsOf(source)).toEqual(expected);
  });
});

describe("loadFleet", () => {
  it("accepts the minimal fleet with every default", () => {
    expect(errorsOf(BASE)).toEqual([]);
  });

  it("accepts the reference farm in gitops/fleet.yaml", () => {
    const path = new URL("../../gitops/fleet.yaml", import.meta.url);
    const result = loadFleet(readFileSync(path), "gitops/fleet.yaml");
    expect(result.ok ? [] : result.errors.map(formatConfigError)).toEqual([]);
    expect(result.ok && result.fleet.hosts.map((h) => `${h.name}=${h.roles.join("+")}`)).toEqual([
      "cs10-koji-00=hub+web+kojira",
      "cs10-koji-01=database",
      "cs10-koji-02=nfs",
      "cs10-koji-03=builder",
      "cs10-koji-04=lookaside",
    ]);
    expect(result.ok && Object.keys(result.fleet.koji?.content?.tags ?? {})).toEqual(["mxos-10", "mxos-10-candidate", "mxos-10-build"]);
    expect(result.ok && result.fleet.koji?.content?.targets).toEqual({ "mxos-10": { build_tag: "mxos-10-build", dest_tag: "mxos-10-candidate" } });
  });

  it("refuses a hub policy rule without its `:: action`, at the block of rules", () => {
    const policy = (rules: string) => `${BASE}koji:\n  hub:\n    policy:\n      build_from_scm: |\n${rules}`;
    expect(errorsOf(policy("        has_perm admin :: allow\n        all :: deny\n"))).toEqual([]);
    expect(errorsOf(policy("        has_perm admin :: allow\n        has_perm build allow\n"))[0]).toMatch(/^fleet\.yaml:11:23: \/koji\/hub\/policy\/build_from_scm must match pattern/);
  });

  it("accepts paths outside the system directories", () => {
    const paths = "  topdir: /srv/koji\n  builders:\n    workdir: /var/lib/rpmbuild\n  lookaside:\n    dir: /srv/lookaside\n";
    expect(errorsOf(`${BASE}koji:\n${paths}`)).toEqual([]);
    expect(errorsOf(`${BASE}koji:\n  builders:\n    scms: [{ host: g.example, path: /x/*, sources: none }]\n`)).toEqual([]);
    expect(errorsOf(edit("roles: [builder] }", "roles: [builder], settings: { workdir: /var/lib/rpmfoo } }", `${BASE}koji:\n  topdir: /var/lib/pgsql/data\n`))).toEqual([]);
  });

  it("reports every independent mistake at once, in file order", () => {
    const source = edit("name: b1", "name: db1", edit("address: 10.0.0.4", "address: 10.0.0.1"));
    expect(errorsOf(source).map((e) => e.split(": ")[0])).toEqual(["fleet.yaml:7:13", "fleet.yaml:7:27"]);
  });

  it("caps runaway error lists", () => {
    const errors = errorsOf("[".repeat(50_000));
    expect(errors).toHaveLength(MAX_ERRORS + 1);
    expect(errors.at(-1)).toMatch(/more errors not shown$/);
  });

  it("refuses files over the size limit without parsing them", () => {
    expect(errorsOf(`# ${"x".repeat(5 * 1024 * 1024)}\n`)).toEqual(["fleet.yaml:1:1: file is 5242883 bytes, larger than the 4194304-byte limit"]);
  });

  describe(`serves at most MAX_HOSTS (${MAX_HOSTS}) hosts`, () => {
    /** BASE's 4 hosts and builders up to `total`, written as a site would (one host a line, settings on some). */
    const fleetOf = (total: number): string =>
      BASE +
      Array.from({ length: total - 4 }, (_, i) => `  - { name: b${String(i).padStart(5, "0")}-rack${i % 40}, address: 10.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}, roles: [builder]${i % 10 === 0 ? ", settings: { maxjobs: 4 }" : ""} }\n`).join("");

    it("accepts 10,000 hosts", { timeout: 60_000 }, () => {
      expect(errorsOf(fleetOf(MAX_HOSTS))).toEqual([]);
    });

    it("refuses one more at the hosts list, saying how many there are and how many are allowed", { timeout: 60_000 }, () => {
      expect(errorsOf(fleetOf(MAX_HOSTS + 1))).toEqual(["fleet.yaml:4:3: /hosts has 10001 items, more than the 10000 allowed"]);
    });
  });

  it("never throws on random bytes or mangled fleets", () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(BASE);
      // Flip a few bytes of a valid file: exercises every pass, not only the YAML parser.
      for (let j = 0; j < 1 + Math.floor(rand() * 4); j++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      const garbage = Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
      for (const input of [bytes, garbage]) {
        const result = loadFleet(input, "fuzz.yaml");
        if (!result.ok) {
          expect(result.errors.length).toBeGreaterThan(0);
          for (const e of result.errors) expect(formatConfigError(e)).toMatch(/^fuzz\.yaml:\d+:\d+: ./);
        }
      }
    }
  });
});
