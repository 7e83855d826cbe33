// examples/opentofu-libvirt/ says what gitops/fleet.yaml says: the same hosts at the same
// addresses, a user-data file per host where make-user-data.sh writes it, and only flags that
// `koji-fleet cloud-init` has. OpenTofu does not run here (neither npm nor Debian ships it):
// every .tf file is parsed by HashiCorp's own HCL 2 parser (Go's hashicorp/hcl in WebAssembly,
// @cdktn/hcl2json), so a syntax error fails at file:line:col, and what tofu would build is read
// from the parsed blocks: which resources, from which variables, referring to what.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseHcl } from "@cdktn/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { cloudInitCommand } from "../cli/commands/cloud-init.js";

const REPO = new URL("..", import.meta.url).pathname;
const EXAMPLE = "examples/opentofu-libvirt";
const read = (file: string) => readFileSync(join(REPO, file), "utf8");

interface Fleet { fleet: { domain: string }; hosts: { name: string; address: string; roles: string[] }[] }
interface Size { vcpu: number; memory_mib: number; disk_gib: number }
interface TfVars { domain: string; gateway: string; hosts: Record<string, { address: string; size: string }>; sizes: Record<string, Size> }

const fleet = parse(read("gitops/fleet.yaml")) as Fleet;
const tfvars = JSON.parse(read(`${EXAMPLE}/hosts.auto.tfvars.json`)) as TfVars;
const mainTf = read(`${EXAMPLE}/main.tf`);
const script = read(`${EXAMPLE}/make-user-data.sh`);
const readme = read(`${EXAMPLE}/README.md`);

/** A .tf file as hcl2json gives it: blocks by type (and labels), each a list of bodies; expressions as "${…}". */
type Body = Record<string, unknown>;
type Tf = Record<string, Record<string, unknown>>;
let tf: Tf = {};
const block = (type: string, ...labels: string[]): Body[] => {
  let at: unknown = tf[type];
  for (const l of labels) at = (at as Record<string, unknown> | undefined)?.[l];
  return (at as Body[] | undefined) ?? [];
};
/** The one body of a block that must be declared exactly once. */
const one = (type: string, ...labels: string[]): Body => {
  const bodies = block(type, ...labels);
  expect(bodies, `${type} ${labels.join(" ")}`).toHaveLength(1);
  return bodies[0]!;
};
/** Every string in a body, nested too: the expressions to look for references in. */
const strings = (v: unknown): string[] => (typeof v === "string" ? [v] : Array.isArray(v) ? v.flatMap(strings) : v && typeof v === "object" ? Object.values(v).flatMap(strings) : []);

/** The `--flag`s of every `koji-fleet cloud-init` command line in a text. */
const cloudInitFlags = (text: string): string[] =>
  text.split("\n").filter((l) => /koji-fleet cloud-init /.test(l)).flatMap((l) => [...l.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]));

describe("examples/opentofu-libvirt", () => {
  beforeAll(async () => {
    const files = readdirSync(join(REPO, EXAMPLE)).filter((f) => f.endsWith(".tf")).sort();
    expect(files).toEqual(["main.tf", "variables.tf"]);
    // One configuration, as tofu reads a directory: the files' blocks together.
    for (const f of files) {
      const parsed = (await parseHcl(f, read(`${EXAMPLE}/${f}`))) as Tf;
      for (const [type, byLabel] of Object.entries(parsed)) tf[type] = type === "locals" || type === "terraform" ? { ...tf[type], [f]: byLabel } : { ...tf[type], ...byLabel };
    }
  }, 60_000);

  it("makes exactly fleet.yaml's hosts, at fleet.yaml's addresses, in its domain", () => {
    const fromFleet = Object.fromEntries(fleet.hosts.map((h) => [h.name, h.address]));
    const fromExample = Object.fromEntries(Object.entries(tfvars.hosts).map(([name, h]) => [name, h.address]));
    expect(fromExample).toEqual(fromFleet);
    expect(tfvars.domain).toBe(fleet.fleet.domain);
    // The gateway is the libvirt network's own address, in the hosts' /24.
    const net = (a: string) => a.split(".").slice(0, 3).join(".");
    expect(fleet.hosts.every((h) => net(h.address) === net(tfvars.gateway))).toBe(true);
  });

  it("sizes each VM by one of its roles, the builder the largest", () => {
    const roles = Object.fromEntries(fleet.hosts.map((h) => [h.name, h.roles]));
    const wrong = Object.entries(tfvars.hosts).filter(([name, h]) => !roles[name]?.includes(h.size) || !tfvars.sizes[h.size]);
    expect(wrong).toEqual([]);
    const builder = tfvars.sizes.builder!;
    const others = Object.entries(tfvars.sizes).filter(([size]) => size !== "builder").map(([, s]) => s);
    expect(others.every((s) => s.vcpu < builder.vcpu && s.memory_mib < builder.memory_mib)).toBe(true);
    expect(tfvars.sizes.database!.disk_gib).not.toBe(tfvars.sizes.hub!.disk_gib);
  });

  it("pins the libvirt provider: dmacvicar/libvirt ~> 0.9.7, OpenTofu >= 1.6", () => {
    const terraform = one("terraform", "main.tf") as { required_version: string; required_providers: { libvirt: { source: string; version: string } }[] };
    expect(terraform.required_version).toBe(">= 1.6");
    expect(terraform.required_providers).toEqual([{ libvirt: { source: "dmacvicar/libvirt", version: "~> 0.9.7" } }]);
    expect(one("provider", "libvirt")).toEqual({ uri: "${var.libvirt_uri}" });
  });

  it("makes one libvirt_domain per host of hosts.auto.tfvars.json (five, fleet.yaml's), sized by its size", () => {
    expect(Object.keys(tf.resource ?? {}).sort()).toEqual(["libvirt_cloudinit_disk", "libvirt_domain", "libvirt_volume"]);
    expect(Object.keys(tf.resource!.libvirt_domain!)).toEqual(["vm"]);
    const vm = one("resource", "libvirt_domain", "vm");
    // for_each over var.hosts, which tofu fills from hosts.auto.tfvars.json: one domain per key.
    expect(vm).toMatchObject({ for_each: "${var.hosts}", name: "${each.key}", vcpu: "${var.sizes[each.value.size].vcpu}", memory: "${var.sizes[each.value.size].memory_mib}", memory_unit: "MiB", running: true, autostart: true });
    expect(Object.keys(tfvars.hosts)).toEqual(fleet.hosts.map((h) => h.name));
    expect(Object.keys(tfvars.hosts)).toHaveLength(5);
    // Every variable the tfvars sets is declared, and every variable without a default is set there.
    const declared = Object.fromEntries(Object.entries(tf.variable ?? {}).map(([name, bodies]) => [name, (bodies as Body[])[0]!]));
    expect(Object.keys(tfvars).filter((k) => !declared[k])).toEqual([]);
    expect(Object.entries(declared).filter(([name, v]) => !("default" in v) && !(name in tfvars)).map(([name]) => name)).toEqual([]);
    expect(declared.hosts!.type).toMatch(/^\$\{map\(object\(\{\s*address\s*=\s*string\s+size\s*=\s*string\s*\}\)\)\}$/);
  });

  it("builds every VM's disk over the CentOS Stream 10 GenericCloud image", () => {
    expect(one("resource", "libvirt_volume", "base")).toMatchObject({ create: { content: { url: "${abspath(var.image_path)}" } }, target: { format: { type: "qcow2" } } });
    expect(String(one("variable", "image_path").default)).toMatch(/^CentOS-Stream-GenericCloud-10-[\w.-]*x86_64\.qcow2$/);
    expect(one("resource", "libvirt_volume", "root")).toMatchObject({ for_each: "${var.hosts}", backing_store: { path: "${libvirt_volume.base.path}", format: { type: "qcow2" } } });
    const [rootDisk] = (one("resource", "libvirt_domain", "vm").devices as { disks: Body[] }).disks;
    expect(rootDisk).toMatchObject({ source: { volume: { volume: "${libvirt_volume.root[each.key].name}" } }, target: { dev: "vda" } });
  });

  it("feeds each domain a cloud-init seed of the user-data `koji-fleet cloud-init HOST` printed for it", () => {
    // main.tf: one seed per host of var.hosts, with user-data/HOST.yaml, made into an ISO volume the domain mounts.
    expect(one("resource", "libvirt_cloudinit_disk", "seed")).toMatchObject({ for_each: "${var.hosts}", user_data: '${file("${path.module}/user-data/${each.key}.yaml")}' });
    expect(one("resource", "libvirt_volume", "seed")).toMatchObject({ for_each: "${var.hosts}", create: { content: { url: "${libvirt_cloudinit_disk.seed[each.key].path}" } } });
    const disks = (one("resource", "libvirt_domain", "vm").devices as { disks: Body[] }).disks;
    expect(disks.filter((d) => d.device === "cdrom")).toEqual([expect.objectContaining({ source: { volume: { pool: "${libvirt_volume.seed[each.key].pool}", volume: "${libvirt_volume.seed[each.key].name}" } } })]);
    // The script: the same hosts (read from the same tfvars), each to user-data/HOST.yaml.
    expect(script).toMatch(/readFileSync\("hosts\.auto\.tfvars\.json", "utf8"\)\)\.hosts/);
    expect(script).toMatch(/out="user-data\/\$host\.yaml"/);
    expect(script).toMatch(/koji-fleet cloud-init "\$host" [^\n]*> "\$out\.tmp"/);
    expect(script).toMatch(/mv "\$out\.tmp" "\$out"/);
  });

  it("refers only to what it declares: variables, locals and resources", () => {
    const exprs = strings(tf);
    const refs = (re: RegExp) => [...new Set(exprs.flatMap((e) => [...e.matchAll(re)].map((m) => m[1]!)))].sort();
    expect(refs(/\bvar\.(\w+)/g).filter((v) => !tf.variable?.[v])).toEqual([]);
    const locals = Object.values(tf.locals ?? {}).flatMap((l) => (l as Body[]).flatMap((b) => Object.keys(b)));
    expect(refs(/\blocal\.(\w+)/g).filter((l) => !locals.includes(l))).toEqual([]);
    const resources = refs(/\b(libvirt_\w+\.\w+)/g);
    expect(resources.filter((r) => { const [type, name] = r.split("."); return block("resource", type!, name!).length === 0; })).toEqual([]);
    expect(resources.length).toBeGreaterThan(0);
  });

  it("names only flags that `koji-fleet cloud-init` has, and the ones it requires", () => {
    const known = new Set([...cloudInitCommand.usage.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]));
    const used = [...cloudInitFlags(readme), ...cloudInitFlags(script), ...[...script.matchAll(/\$\{GPG_KEY:\+(--[a-z-]+)/g)].map((m) => m[1]!)];
    expect(used.filter((f) => !known.has(f))).toEqual([]);
    for (const text of [readme, script]) expect(cloudInitFlags(text)).toEqual(expect.arrayContaining(["--nats", "--repo"]));
    expect(used).toContain("--gpg-key");
  });
});
