// examples/opentofu-libvirt/ says what gitops/fleet.yaml says: the same hosts at the same
// addresses, a user-data file per host where make-user-data.sh writes it, and only flags that
// `koji-fleet cloud-init` has. Files are only read: OpenTofu does not run here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
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

/** The `--flag`s of every `koji-fleet cloud-init` command line in a text. */
const cloudInitFlags = (text: string): string[] =>
  text.split("\n").filter((l) => /koji-fleet cloud-init /.test(l)).flatMap((l) => [...l.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]));

describe("examples/opentofu-libvirt", () => {
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

  it("gives every host the user-data file make-user-data.sh writes for it", () => {
    // main.tf: one seed per host of var.hosts, with user-data/HOST.yaml.
    const seed = /resource "libvirt_cloudinit_disk" "seed" \{([\s\S]*?)\n\}/.exec(mainTf)?.[1] ?? "";
    expect(seed).toMatch(/for_each\s*=\s*var\.hosts\b/);
    expect(seed).toMatch(/user_data\s*=\s*file\("\$\{path\.module\}\/user-data\/\$\{each\.key\}\.yaml"\)/);
    // The script: the same hosts (read from the same tfvars), each to user-data/HOST.yaml.
    expect(script).toMatch(/readFileSync\("hosts\.auto\.tfvars\.json", "utf8"\)\)\.hosts/);
    expect(script).toMatch(/out="user-data\/\$host\.yaml"/);
    expect(script).toMatch(/koji-fleet cloud-init "\$host" [^\n]*> "\$out\.tmp"/);
    expect(script).toMatch(/mv "\$out\.tmp" "\$out"/);
  });

  it("names only flags that `koji-fleet cloud-init` has, and the ones it requires", () => {
    const known = new Set([...cloudInitCommand.usage.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]));
    const used = [...cloudInitFlags(readme), ...cloudInitFlags(script), ...[...script.matchAll(/\$\{GPG_KEY:\+(--[a-z-]+)/g)].map((m) => m[1]!)];
    expect(used.filter((f) => !known.has(f))).toEqual([]);
    for (const text of [readme, script]) expect(cloudInitFlags(text)).toEqual(expect.arrayContaining(["--nats", "--repo"]));
    expect(used).toContain("--gpg-key");
  });
});
