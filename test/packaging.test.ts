// The RPMs as dnf would get them: built with the real rpmbuild (packaging/build-rpms.sh, the
// same script as `npm run rpm`), read back with rpm -qp, installed with rpm --root into an
// empty tree. Never skipped: without rpm/rpmbuild the suite fails and says what is missing.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, readFile, stat, writeFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { readAgentConfig } from "../agent/config.js";
import { readControllerConfig } from "../controller/daemon-config.js";
import { useTmpDirs } from "./support/tmp.js";

const run = promisify(execFile);
const REPO = new URL("..", import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
const tmp = useTmpDirs();
let out: string;
let bundleDir: string; // its own, not dist/bundle: other suites may bundle at the same time
let root: string;
const rpm = (name: string, release = 1) => join(out, `r${release}`, `${name}-${VERSION}-${release}.el10.noarch.rpm`);
const q = async (...args: string[]) => (await run("rpm", args, { maxBuffer: 64 << 20 })).stdout;
const inRoot = (...args: string[]) => q("--root", root, "--dbpath", "/var/lib/rpm", ...args);
const lines = (s: string) => s.trim().split("\n");
const timings: Record<string, number> = {};

async function build(release: number, skipBundle: boolean): Promise<void> {
  const started = Date.now();
  const env = { ...process.env, KF_RELEASE: String(release), KF_RPM_OUT: join(out, `r${release}`), KF_SKIP_BUNDLE: skipBundle ? "1" : "", KF_BUNDLE_DIR: bundleDir };
  await run("bash", [join(REPO, "packaging/build-rpms.sh")], { cwd: REPO, env, maxBuffer: 16 << 20 }).catch((err: Error & { stderr?: string }) => {
    throw new Error(`packaging/build-rpms.sh failed: ${err.message}\n${err.stderr ?? ""}`);
  });
  timings[`build release ${release}${skipBundle ? "" : " (with bundle)"}`] = Date.now() - started;
}

beforeAll(async () => {
  for (const tool of ["rpm", "rpmbuild"]) {
    await run("sh", ["-c", `command -v ${tool}`]).catch(() => {
      throw new Error(`${tool} is missing: apt-get install rpm (Debian) or dnf install rpm-build`);
    });
  }
  out = await tmp("kf-rpms-");
  bundleDir = join(out, "bundle");
  await build(1, false);
  await build(2, true); // for the upgrade below: same content, next release
  console.log(`rpm build timings (ms): ${JSON.stringify(timings)}`);
}, 300_000);

let COMMON: string[]; // the bundle's files as installed; chunk names carry content hashes
beforeAll(async () => {
  const chunks = (await readdir(join(bundleDir, "chunks"))).map((f) => `/usr/lib/koji-fleet/chunks/${f}`);
  expect(chunks.filter((f) => f.endsWith(".mjs")).length).toBeGreaterThan(10);
  COMMON = ["/usr/bin/koji-fleet", "/usr/lib/koji-fleet", "/usr/lib/koji-fleet/koji-fleet.mjs", "/usr/lib/koji-fleet/koji-fleet.mjs.map", "/usr/lib/koji-fleet/chunks", ...chunks];
});
const docs = (name: string) => [
  `/usr/share/doc/${name}`,
  `/usr/share/doc/${name}/install.md`,
  `/usr/share/licenses/${name}`,
  `/usr/share/licenses/${name}/THIRD_PARTY_LICENSES`,
  `/usr/share/licenses/${name}/koji-fleet.mjs.LEGAL.txt`,
];

describe("the RPMs (rpm -qp)", () => {
  it("agent: file layout", async () => {
    expect(lines(await q("-qlp", rpm("koji-fleet-agent")))).toEqual(
      ["/etc/koji-fleet", "/etc/koji-fleet/agent.yaml", ...COMMON, "/usr/lib/systemd/system/koji-fleet-agent.service", ...docs("koji-fleet-agent"), "/var/lib/koji-fleet"].sort(),
    );
  });

  it("controller: file layout", async () => {
    expect(lines(await q("-qlp", rpm("koji-fleet-controller")))).toEqual(
      [
        "/etc/koji-fleet", "/etc/koji-fleet/controller.yaml", ...COMMON, "/usr/lib/systemd/system/koji-fleet-controller.service",
        "/usr/lib/sysusers.d/koji-fleet.conf", ...docs("koji-fleet-controller"), "/var/lib/koji-fleet-controller",
        "/usr/lib/koji-fleet/gitops", ...["fleet.yaml", "fleet.schema.json", "koji-content.schema.json"].map((f) => `/usr/lib/koji-fleet/gitops/${f}`),
      ].sort(),
    );
  });

  it("noarch, zstd payload, version from package.json", async () => {
    for (const name of ["koji-fleet-agent", "koji-fleet-controller"]) {
      expect(await q("-qp", "--qf", "%{NAME} %{VERSION} %{ARCH} %{PAYLOADCOMPRESSOR}", rpm(name))).toBe(`${name} ${VERSION} noarch zstd`);
    }
  });

  it("requires Node ≥ 20 and systemd-notify (the agent also systemd-run, the controller git ≥ 2.29: fetch --no-auto-maintenance)", async () => {
    const agent = lines(await q("-qp", "--requires", rpm("koji-fleet-agent")));
    const controller = lines(await q("-qp", "--requires", rpm("koji-fleet-controller")));
    for (const r of [agent, controller]) expect(r).toEqual(expect.arrayContaining(["nodejs(engine) >= 20", "/usr/bin/systemd-notify", "systemd"]));
    expect(agent).toContain("/usr/bin/systemd-run");
    expect(controller).toContain("git-core >= 2.29");
  });

  it("the two packages are kept at the same build (they share the bundle)", async () => {
    expect(lines(await q("-qp", "--conflicts", rpm("koji-fleet-agent")))).toEqual([`koji-fleet-controller < ${VERSION}-1.el10`, `koji-fleet-controller > ${VERSION}-1.el10`]);
    expect(lines(await q("-qp", "--conflicts", rpm("koji-fleet-controller")))).toEqual([`koji-fleet-agent < ${VERSION}-1.el10`, `koji-fleet-agent > ${VERSION}-1.el10`]);
  });

  it("agent scriptlets: preset on install, disable --now on erase, NO restart on upgrade (self-upgrade trap)", async () => {
    const s = await q("-qp", "--scripts", rpm("koji-fleet-agent"));
    const postun = s.slice(s.indexOf("postuninstall scriptlet"));
    expect(s).toMatch(/postinstall scriptlet[^]*systemctl --no-reload preset koji-fleet-agent.service/);
    expect(s).toMatch(/preuninstall scriptlet[^]*if \[ \$1 -eq 0 \]; then systemctl --no-reload disable --now koji-fleet-agent.service/);
    expect(postun).toContain("systemctl daemon-reload");
    expect(postun.split("\n").filter((l) => !l.startsWith("#")).join("\n")).not.toMatch(/restart/);
  });

  it("controller scriptlets: user before files, try-restart on upgrade", async () => {
    const s = await q("-qp", "--scripts", rpm("koji-fleet-controller"));
    expect(s).toMatch(/preinstall scriptlet[^]*getent passwd koji-fleet >\/dev\/null \|\| useradd -r -g koji-fleet -d \/var\/lib\/koji-fleet-controller -s \/sbin\/nologin/);
    expect(s).toMatch(/postuninstall scriptlet[^]*if \[ \$1 -ge 1 \]; then systemctl try-restart koji-fleet-controller.service/);
  });

  it("the configs are %config(noreplace)", async () => {
    const flags = async (name: string) => lines(await q("-qp", "--qf", "[%{FILEFLAGS:fflags} %{FILENAMES}\n]", rpm(name))).filter((l) => l.startsWith("c"));
    expect(await flags("koji-fleet-agent")).toEqual(["cn /etc/koji-fleet/agent.yaml"]);
    expect(await flags("koji-fleet-controller")).toEqual(["cn /etc/koji-fleet/controller.yaml"]);
  });

  it("the License tag names every license in THIRD_PARTY_LICENSES", async () => {
    const tag = await q("-qp", "--qf", "%{LICENSE}", rpm("koji-fleet-agent"));
    const text = await readFile(join(bundleDir, "THIRD_PARTY_LICENSES"), "utf8");
    const declared = new Set([...text.matchAll(/^\S+@\S+ {2}\((.+)\)$/gm)].flatMap((m) => m[1]!.replace(/[()]/g, "").split(/ OR | AND /)));
    expect(declared.size).toBeGreaterThan(3);
    for (const id of declared) expect(tag.replace("GPL-2.0-only", "GPL-2.0")).toContain(id);
    expect(text).toContain(`@nats-io/transport-node@3.4.0  (Apache-2.0)`);
  });
});

describe("installed with rpm --root (scriptlets off: the tree has no shell)", () => {
  beforeAll(async () => {
    root = await tmp("kf-rpmroot-");
    // What %pre would have created; rpm resolves %attr owners from the root's own files.
    await mkdir(join(root, "etc"));
    await writeFile(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nkoji-fleet:x:991:991::/var/lib/koji-fleet-controller:/sbin/nologin\n");
    await writeFile(join(root, "etc/group"), "root:x:0:\nkoji-fleet:x:991:\n");
    await inRoot("-i", "--nodeps", "--noscripts", rpm("koji-fleet-agent"), rpm("koji-fleet-controller"));
  });

  const mode = async (p: string) => {
    const s = await stat(join(root, p));
    return `${(s.mode & 0o7777).toString(8).padStart(4, "0")} ${s.uid}:${s.gid}`;
  };

  it("both packages side by side, owners and modes as the specs say", async () => {
    expect(lines(await inRoot("-qa", "--qf", "%{NAME}-%{VERSION}-%{RELEASE}\n")).sort()).toEqual([`koji-fleet-agent-${VERSION}-1.el10`, `koji-fleet-controller-${VERSION}-1.el10`]);
    expect({
      "/etc/koji-fleet": await mode("/etc/koji-fleet"),
      "/etc/koji-fleet/agent.yaml": await mode("/etc/koji-fleet/agent.yaml"),
      "/etc/koji-fleet/controller.yaml": await mode("/etc/koji-fleet/controller.yaml"),
      "/var/lib/koji-fleet": await mode("/var/lib/koji-fleet"),
      "/var/lib/koji-fleet-controller": await mode("/var/lib/koji-fleet-controller"),
      "/usr/bin/koji-fleet": await mode("/usr/bin/koji-fleet"),
      "/usr/lib/koji-fleet/koji-fleet.mjs": await mode("/usr/lib/koji-fleet/koji-fleet.mjs"),
    }).toEqual({
      "/etc/koji-fleet": "0750 0:991",
      "/etc/koji-fleet/agent.yaml": "0640 0:0",
      "/etc/koji-fleet/controller.yaml": "0640 0:991",
      "/var/lib/koji-fleet": "0750 0:0",
      "/var/lib/koji-fleet-controller": "0750 991:991",
      "/usr/bin/koji-fleet": "0755 0:0",
      "/usr/lib/koji-fleet/koji-fleet.mjs": "0644 0:0",
    });
    expect(await inRoot("-V", "--nodeps", "koji-fleet-agent", "koji-fleet-controller")).toBe("");
  });

  it("the wrapper runs the bundle with the system node; the bundle is the CLI", async () => {
    expect(await readFile(join(root, "usr/bin/koji-fleet"), "utf8")).toMatch(/^#!\/bin\/sh\n[^]*exec \/usr\/bin\/node --enable-source-maps \/usr\/lib\/koji-fleet\/koji-fleet.mjs "\$@"\n$/);
    const bundle = join(root, "usr/lib/koji-fleet/koji-fleet.mjs");
    expect((await run(process.execPath, [bundle, "--version"])).stdout.trim()).toBe(VERSION);
    expect((await run(process.execPath, [bundle, "--help"])).stdout).toMatch(/agent +run the agent daemon/);
    // Each command's code is a chunk, loaded when the command runs.
    expect((await run(process.execPath, [bundle, "agent", "--help"])).stdout).toMatch(/--config/);
    expect((await run(process.execPath, [bundle, "controller", "--help"])).stdout).toMatch(/--config/);
    // init finds the example the controller package installs next to the bundle
    const repo = join(await tmp("kf-init-"), "farm");
    await run(process.execPath, [bundle, "init", repo]);
    expect(await readFile(join(repo, "fleet.yaml"), "utf8")).toBe(await readFile(join(REPO, "gitops/fleet.yaml"), "utf8"));
  });

  it("the shipped controller.yaml is valid; agent.yaml refuses its placeholder host with file:line:col", async () => {
    expect(readControllerConfig(join(root, "etc/koji-fleet/controller.yaml")).stateDir).toBe("/var/lib/koji-fleet-controller");
    const file = join(root, "etc/koji-fleet/agent.yaml");
    expect(() => readAgentConfig(file)).toThrow(`${file}:11:7: set \`host\` in ${file}: it is still CHANGE-ME`);
  });

  it("an upgrade keeps an edited config (noreplace) and creates no .rpmnew when the default did not change", async () => {
    const file = join(root, "etc/koji-fleet/agent.yaml");
    const edited = (await readFile(file, "utf8")).replace("host: CHANGE-ME", "host: cs10-koji-03");
    await writeFile(file, edited);
    await inRoot("-U", "--nodeps", "--noscripts", rpm("koji-fleet-agent", 2), rpm("koji-fleet-controller", 2));
    expect(lines(await inRoot("-qa", "--qf", "%{NAME}-%{RELEASE}\n")).sort()).toEqual(["koji-fleet-agent-2.el10", "koji-fleet-controller-2.el10"]);
    expect(await readFile(file, "utf8")).toBe(edited);
    expect(readAgentConfig(file).host).toBe("cs10-koji-03");
    expect((await readdir(join(root, "etc/koji-fleet"))).sort()).toEqual(["agent.yaml", "controller.yaml"]);
  });
});
