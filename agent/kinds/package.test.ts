import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkProps } from "../engine/props.js";
import { factsFromOsRelease } from "../facts.js";
import { createExecutor, RecordingExecutor, type Executor } from "../providers/executor.js";
import { packageKind, type PackageObserved, type PackageProps } from "./package.js";
import { cycle, EL10, expectNoopMatchesApply, kindContext, tempRoot } from "../../test/support/kinds.js";

const QF = "%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}\\n";
const inst = (name: string, version: string, release = "1") => ({ name, epoch: "0", version, release, arch: "noarch" });
const seen = (over: Partial<PackageObserved> = {}): PackageObserved => ({ installed: {}, repos: {}, repoFiles: {}, modules: {}, ...over });

describe("package diff (pure)", () => {
  const A = "kf-a";
  it.each<[string, Partial<PackageProps>, Partial<PackageObserved>, string[]]>([
    ["not installed → install", { packages: [{ name: A }] }, {}, ["install kf-a"]],
    ["not installed, version wanted → install at that version", { packages: [{ name: A, version: "1.0-1" }] }, {}, ["install kf-a 1.0-1"]],
    ["installed, any version will do → nothing", { packages: [{ name: A }] }, { installed: { [A]: [inst(A, "0.1")] } }, []],
    ["installed at another version → upgrade only", { packages: [{ name: A, version: "2.0-1" }] }, { installed: { [A]: [inst(A, "1.0")] } }, ["upgrade kf-a 1.0-1 → 2.0-1"]],
    ["installed at a newer version → downgrade", { packages: [{ name: A, version: "1.0" }] }, { installed: { [A]: [inst(A, "2.0")] } }, ["downgrade kf-a 2.0-1 → 1.0"]],
    ["one of several installed instances matches (installonly) → nothing", { packages: [{ name: A, version: "1.0-1" }] }, { installed: { [A]: [inst(A, "2.0"), inst(A, "1.0")] } }, []],
    ["installed with an epoch → shown in the line", { packages: [{ name: A, version: "2:1.0-1" }] }, { installed: { [A]: [{ ...inst(A, "3.0"), epoch: "1" }] } }, ["upgrade kf-a 1:3.0-1 → 2:1.0-1"]],
    ["installed and ensure absent → remove", { packages: [{ name: A, ensure: "absent" }] }, { installed: { [A]: [inst(A, "1.0")] } }, ["remove kf-a"]],
    ["absent and ensure absent → nothing", { packages: [{ name: A, ensure: "absent" }] }, {}, []],
    ["repo disabled, wanted enabled → enable", { repos: [{ id: "crb", enabled: true }] }, { repos: { crb: false } }, ["enable repo crb"]],
    ["repo not defined, wanted enabled → enable, says so", { repos: [{ id: "epel", enabled: true }] }, {}, ["enable repo epel (not defined)"]],
    ["repo not defined, wanted disabled → nothing", { repos: [{ id: "epel", enabled: false }] }, {}, []],
    ["repo enabled, wanted disabled → disable", { repos: [{ id: "epel-testing", enabled: false }] }, { repos: { "epel-testing": true } }, ["disable repo epel-testing"]],
    ["defined repo without a file → add", { repos: [{ id: "k", enabled: true, baseurl: "https://x/" }] }, { repoFiles: { k: null } }, ["add repo k (/etc/yum.repos.d/k.repo)"]],
    ["defined repo with another file → update", { repos: [{ id: "k", enabled: true, baseurl: "https://x/" }] }, { repoFiles: { k: "[k]\n" } }, ["update repo k (/etc/yum.repos.d/k.repo)"]],
    ["module not enabled → enable", { modules: [{ name: "postgresql", stream: "16" }] }, {}, ["enable module postgresql:16"]],
    ["module at another stream → switch", { modules: [{ name: "postgresql", stream: "16" }] }, { modules: { postgresql: "15" } }, ["switch module postgresql 15 → 16"]],
    ["module at that stream → nothing", { modules: [{ name: "postgresql", stream: "16" }] }, { modules: { postgresql: "16" } }, []],
    ["repos, then modules, then packages, in props order", { packages: [{ name: "b" }, { name: "a" }], modules: [{ name: "m", stream: "1" }], repos: [{ id: "crb", enabled: true }] }, { repos: { crb: false } }, ["enable repo crb", "enable module m:1", "install b", "install a"]],
  ])("%s", (_name, props, observed, want) => {
    expect(packageKind.diff({ packages: [], ...props }, seen(observed))).toEqual(want);
  });

  it("a defined repo whose file is what we render → nothing", async () => {
    const props: PackageProps = { packages: [], repos: [{ id: "k", enabled: false, baseurl: "https://x/", gpgcheck: false }] };
    const root = tempRoot();
    fs.mkdirSync(join(root, "etc/yum.repos.d"), { recursive: true });
    const ctx = kindContext(root, { sandbox: false, exec: new RecordingExecutor([]) });
    await packageKind.apply(props, seen({ repoFiles: { k: null } }), ctx);
    expect(packageKind.diff(props, await packageKind.observe(props, ctx))).toEqual([]);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe("package props", () => {
  it.each([
    ["a name that dnf would read as an option", { packages: [{ name: "-y" }] }, /\/packages\/0\/name must match pattern/],
    ["a version with a space", { packages: [{ name: "koji", version: "1.0 --nogpgcheck" }] }, /\/packages\/0\/version must match pattern/],
    ["an unknown property", { packages: [], dnfOptions: ["--nogpgcheck"] }, /must NOT have additional properties \('dnfOptions'\)/],
  ])("%s → rejected", (_name, props, message) => {
    expect(checkProps(packageKind.schema, props)).toMatch(message);
  });

  it.each<[string, PackageProps, RegExp]>([
    ["a package listed twice", { packages: [{ name: "koji" }, { name: "koji", ensure: "absent" }] }, /package koji is listed twice/],
    ["a version on an absent package", { packages: [{ name: "koji", ensure: "absent", version: "1.0" }] }, /version given with ensure absent/],
  ])("%s → observe refuses", async (_name, props, message) => {
    await expect(packageKind.observe(props, kindContext("/", { exec: new RecordingExecutor([]) }))).rejects.toThrow(message);
  });

  it("summary names packages, repos and modules", () => {
    expect(packageKind.summary!({ packages: [{ name: "koji-hub" }, { name: "foo", ensure: "absent" }], repos: [{ id: "crb", enabled: true }], modules: [{ name: "postgresql", stream: "16" }] })).toBe(
      "packages koji-hub, -foo; repos crb; modules postgresql:16",
    );
  });
});

describe("package argv (replayed)", () => {
  const DNF = "/usr/bin/dnf";
  const run = async (exec: RecordingExecutor, facts: ReturnType<typeof factsFromOsRelease>, props: PackageProps) => {
    const ctx = kindContext("/", { exec, facts, sandbox: false });
    const observed = await packageKind.observe(props, ctx);
    const lines = packageKind.diff(props, observed);
    await packageKind.apply(props, observed, ctx);
    expect(exec.pending).toEqual([]);
    return lines;
  };

  it("EL10 enable crb → dnf4 config-manager --set-enabled, then one install", async () => {
    const exec = new RecordingExecutor([
      { argv: ["/usr/bin/rpm", "-q", "--qf", QF, "koji-hub", "mod_ssl"], result: { exitCode: 1, stdout: "mod_ssl 1:2.4.62-4.el10.x86_64\npackage koji-hub is not installed\n" } },
      { argv: [DNF, "repolist", "--all"], result: { stdout: "repo id   repo name                 status\nbaseos    CentOS Stream 10 - BaseOS enabled\ncrb       CentOS Stream 10 - CRB    disabled\n" } },
      { argv: [DNF, "config-manager", "--set-enabled", "crb"] },
      { argv: [DNF, "-y", "install", "koji-hub"] },
    ]);
    expect(await run(exec, EL10, { packages: [{ name: "koji-hub" }, { name: "mod_ssl" }], repos: [{ id: "crb", enabled: true }] })).toEqual(["enable repo crb", "install koji-hub"]);
    expect(exec.calls.every((c) => c.env?.LC_ALL === "C.UTF-8")).toBe(true);
  });

  it("Fedora 41 enable a repo → dnf5 config-manager setopt", async () => {
    const exec = new RecordingExecutor([
      { argv: [DNF, "repolist", "--all"], result: { stdout: "repo id            repo name                        status\nupdates-testing    Fedora 41 - x86_64 - Test Updates disabled\n" } },
      { argv: [DNF, "config-manager", "setopt", "updates-testing.enabled=1"] },
    ]);
    const fedora41 = factsFromOsRelease({ ID: "fedora", VERSION_ID: "41", PRETTY_NAME: "Fedora Linux 41" });
    expect(await run(exec, fedora41, { packages: [], repos: [{ id: "updates-testing", enabled: true }] })).toEqual(["enable repo updates-testing"]);
  });

  it("module enable, one stream switched → reset it, then enable all in one call", async () => {
    const exec = new RecordingExecutor([
      { argv: [DNF, "module", "list", "--enabled"], result: { stdout: "CentOS Stream 9 - AppStream\nName        Stream     Profiles\npostgresql  15 [d][e]  client, server [d]\n\nHint: [d]efault, [e]nabled, [x]disabled, [i]nstalled\n" } },
      { argv: [DNF, "-y", "module", "reset", "postgresql"] },
      { argv: [DNF, "-y", "module", "enable", "postgresql:16", "nodejs:20"] },
    ]);
    const el9 = factsFromOsRelease({ ID: "centos", ID_LIKE: "rhel fedora", VERSION_ID: "9", PRETTY_NAME: "CentOS Stream 9" });
    const props: PackageProps = { packages: [], modules: [{ name: "postgresql", stream: "16" }, { name: "nodejs", stream: "20" }] };
    expect(await run(exec, el9, props)).toEqual(["switch module postgresql 15 → 16", "enable module nodejs:20"]);
  });
});

// Real rpm/dnf against fixture packages in a file:// repo and a temp installroot.
describe("package converge (real rpm and dnf in an installroot)", () => {
  const work = tempRoot();
  const home = join(work, "home"); // Debian's rpm keeps its db under $HOME: point it at /var/lib/rpm
  const repoDir = join(work, "repo");
  const root = join(work, "installroot");
  const calls: string[][] = [];
  // The real executor, counting commands and giving rpm/dnf the test's HOME.
  const exec: Executor = { run: (req) => (calls.push([...req.argv]), createExecutor().run({ ...req, env: { ...req.env, HOME: home } })) };
  const ctx = kindContext(root, { sandbox: false, exec });
  const repo = { id: "kf-fixtures", enabled: true, baseurl: `file://${repoDir}`, gpgcheck: false };
  const props = (packages: PackageProps["packages"]): PackageProps => ({ packages, repos: [repo] });
  const transactions = () => calls.filter((c) => c[0] === "/usr/bin/dnf").map((c) => c.slice(3).join(" "));
  const step = async (p: PackageProps) => {
    calls.length = 0;
    const started = performance.now();
    const lines = await expectNoopMatchesApply(packageKind, p, ctx);
    return { lines, ms: Math.round(performance.now() - started) };
  };

  beforeAll(() => {
    const missing = ["rpm", "rpmbuild", "createrepo_c", "dnf"].filter((t) => !fs.existsSync(`/usr/bin/${t}`));
    if (missing.length) throw new Error(`missing ${missing.join(", ")}: apt-get install rpm createrepo-c dnf (Debian) or dnf install rpm-build createrepo_c`);
    fs.mkdirSync(home);
    fs.writeFileSync(join(home, ".rpmmacros"), "%_dbpath /var/lib/rpm\n");
    fs.mkdirSync(join(root, "etc/yum.repos.d"), { recursive: true }); // what the OS would provide
    const specs = join(import.meta.dirname, "testdata/rpms");
    for (const [spec, version] of [["kf-fixture-a", "1.0"], ["kf-fixture-a", "2.0"], ["kf-fixture-b", "1.0"]] as const) {
      execFileSync("rpmbuild", ["-bb", "--quiet", "--define", `_topdir ${join(work, "build")}`, "--define", `_rpmdir ${repoDir}`, "--define", `fixture_version ${version}`, join(specs, `${spec}.spec`)], { env: { ...process.env, HOME: home }, stdio: "pipe" });
    }
    execFileSync("createrepo_c", ["-q", repoDir]);
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it("1. install: adds the repo file, then one transaction installs both", async () => {
    const { lines, ms } = await step(props([{ name: "kf-fixture-a", version: "1.0-1" }, { name: "kf-fixture-b" }]));
    expect(lines).toEqual(["add repo kf-fixtures (/etc/yum.repos.d/kf-fixtures.repo)", "install kf-fixture-a 1.0-1", "install kf-fixture-b"]);
    expect(transactions()).toEqual(["-y install kf-fixture-a-1.0-1 kf-fixture-b"]);
    expect(calls.find((c) => c[0] === "/usr/bin/dnf")).toEqual(["/usr/bin/dnf", `--installroot=${root}`, "--releasever=10", "-y", "install", "kf-fixture-a-1.0-1", "kf-fixture-b"]);
    expect(fs.readFileSync(join(root, "usr/share/kf-fixture-a/VERSION"), "utf8")).toBe("1.0\n");
    console.info(`first install: ${ms} ms`);
  });

  it("2. converged → empty diff, one rpm -q, no dnf at all", async () => {
    calls.length = 0;
    const started = performance.now();
    const p = props([{ name: "kf-fixture-a", version: "1.0-1" }, { name: "kf-fixture-b" }]);
    // What the engine does with a converged resource: observe and diff, nothing more.
    expect(packageKind.diff(p, await packageKind.observe(p, ctx))).toEqual([]);
    expect(calls).toEqual([["/usr/bin/rpm", "--root", root, "-q", "--qf", QF, "kf-fixture-a", "kf-fixture-b"]]);
    console.info(`no-op run: ${Math.round(performance.now() - started)} ms`);
  });

  it("3. exact newer version → upgrade", async () => {
    expect((await step(props([{ name: "kf-fixture-a", version: "2.0-1" }]))).lines).toEqual(["upgrade kf-fixture-a 1.0-1 → 2.0-1"]);
    expect(fs.readFileSync(join(root, "usr/share/kf-fixture-a/VERSION"), "utf8")).toBe("2.0\n");
  });

  it("4. exact older version → downgrade", async () => {
    expect((await step(props([{ name: "kf-fixture-a", version: "1.0-1" }]))).lines).toEqual(["downgrade kf-fixture-a 2.0-1 → 1.0-1"]);
    expect(transactions()).toEqual(["-y install kf-fixture-a-1.0-1"]);
  });

  it("5. ensure absent → remove", async () => {
    expect((await step(props([{ name: "kf-fixture-b", ensure: "absent" }]))).lines).toEqual(["remove kf-fixture-b"]);
    expect(transactions()).toEqual(["-y remove kf-fixture-b"]);
  });

  it("6. install and remove in one run → install transaction, then remove transaction", async () => {
    expect((await step(props([{ name: "kf-fixture-a", ensure: "absent" }, { name: "kf-fixture-b" }]))).lines).toEqual(["remove kf-fixture-a", "install kf-fixture-b"]);
    expect(transactions()).toEqual(["-y install kf-fixture-b", "-y remove kf-fixture-a"]);
  });

  it("failed transaction → error names the command and carries dnf's stderr", async () => {
    const p = props([{ name: "kf-fixture-nope" }]);
    await expect(cycle(packageKind, p, ctx)).rejects.toThrow(/--releasever=10 -y install kf-fixture-nope exited with code 1:\n(.*\n)*.*Unable to find a match: kf-fixture-nope/);
  });
});
