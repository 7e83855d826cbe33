// Pure parts of the dnf provider: argv building per dnf generation, the parsers (fed output
// in the shape rpm 4.18, dnf 4.14 and dnf5's libsmartcols tables print), version ordering.
import { describe, expect, it } from "vitest";
import { factsFromOsRelease } from "../facts.js";
import { EL10 } from "../../test/support/kinds.js";
import { argv, compareEvr, DnfError, dnfTarget, parseEvr, parseModuleList, parseRepolist, parseRpmQuery, renderRepoFile, rpmvercmp, type Installed } from "./dnf.js";

const FEDORA = (v: string) => factsFromOsRelease({ ID: "fedora", VERSION_ID: v, PRETTY_NAME: `Fedora Linux ${v}` });
const QF = "%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}\\n";
const pkg = (name: string, epoch: string, version: string, release: string, arch = "noarch"): Installed => ({ name, epoch, version, release, arch });

describe("dnf generation from facts", () => {
  it.each([
    ["CentOS Stream 10 → dnf4", EL10, "dnf4"],
    ["Fedora 40 → dnf4", FEDORA("40"), "dnf4"],
    ["Fedora 41 → dnf5", FEDORA("41"), "dnf5"],
    ["Fedora 43 → dnf5", FEDORA("43"), "dnf5"],
  ] as const)("%s", (_name, facts, flavour) => {
    expect(dnfTarget("/", facts).flavour).toBe(flavour);
  });
});

describe("argv", () => {
  const host = dnfTarget("/", EL10);
  const image = dnfTarget("/srv/root", EL10);
  it("on the host: plain rpm and dnf", () => {
    expect(argv.query(host, ["koji-hub"])).toEqual(["/usr/bin/rpm", "-q", "--qf", QF, "koji-hub"]);
    expect(argv.install(host, ["koji-hub", "koji-1.35.3-1.el10"])).toEqual(["/usr/bin/dnf", "-y", "install", "koji-hub", "koji-1.35.3-1.el10"]);
  });
  it("in an installroot: rpm --root, dnf --installroot and the release version", () => {
    expect(argv.query(image, ["a"])).toEqual(["/usr/bin/rpm", "--root", "/srv/root", "-q", "--qf", QF, "a"]);
    expect(argv.remove(image, ["a"])).toEqual(["/usr/bin/dnf", "--installroot=/srv/root", "--releasever=10", "-y", "remove", "a"]);
  });
  it("dnf4 config-manager: one call per switch; dnf5: one setopt", () => {
    expect(argv.setRepos(host, ["crb", "epel"], ["epel-testing"])).toEqual([
      ["/usr/bin/dnf", "config-manager", "--set-enabled", "crb", "epel"],
      ["/usr/bin/dnf", "config-manager", "--set-disabled", "epel-testing"],
    ]);
    expect(argv.setRepos(dnfTarget("/", FEDORA("41")), ["koji"], ["updates-testing"])).toEqual([
      ["/usr/bin/dnf", "config-manager", "setopt", "koji.enabled=1", "updates-testing.enabled=0"],
    ]);
    expect(argv.setRepos(host, [], [])).toEqual([]);
  });
});

describe("parseRpmQuery", () => {
  it("installed and missing names → map of the installed ones", () => {
    const out = "koji-hub 0:1.35.3-1.el10.noarch\npackage mod_ssl is not installed\nglibc 0:2.39-17.el10.x86_64\nglibc 0:2.39-17.el10.i686\nkernel-core 0:6.12.0-55.el10.x86_64\nkernel-core 0:6.12.0-60.el10.x86_64\n";
    const got = parseRpmQuery(out, 1);
    expect([...got.keys()]).toEqual(["koji-hub", "glibc", "kernel-core"]);
    expect(got.get("koji-hub")).toEqual([pkg("koji-hub", "0", "1.35.3", "1.el10")]);
    expect(got.get("glibc")!.map((p) => p.arch)).toEqual(["x86_64", "i686"]);
    expect(got.get("kernel-core")).toHaveLength(2);
  });
  it("epoch and a release with dots → split right", () => {
    expect(parseRpmQuery("perl-Git 1:2.47.1-1.el10.noarch\n", 0).get("perl-Git")).toEqual([pkg("perl-Git", "1", "2.47.1", "1.el10")]);
  });
  it("nothing installed → empty map", () => {
    expect(parseRpmQuery("package a is not installed\npackage b is not installed\n", 2).size).toBe(0);
  });
  it("non-zero exit without a missing package (broken rpmdb) → throws", () => {
    expect(() => parseRpmQuery("", 1)).toThrow(/without naming a missing package/);
  });
  it("an unknown line → throws rather than guessing", () => {
    expect(() => parseRpmQuery("error: rpmdb open failed\n", 1)).toThrow(/unexpected rpm -q output/);
  });
});

describe("parseRepolist", () => {
  it("dnf4 (CentOS Stream 10) → id: enabled", () => {
    const out = [
      "repo id                         repo name                                        status",
      "appstream                       CentOS Stream 10 - AppStream                     enabled",
      "crb                             CentOS Stream 10 - CRB                           disabled",
      "epel                            Extra Packages for Enterprise Linux 10 - x86_64  enabled",
      "",
    ].join("\n");
    expect(Object.fromEntries(parseRepolist(out))).toEqual({ appstream: true, crb: false, epel: true });
  });
  it("dnf5 (Fedora 41), truncated names and right-aligned status → same map", () => {
    const out = "repo id              repo name                   status\nfedora               Fedora 41 - x86_64         enabled\nupdates-testing      Fedora 41 - x86_64 - Tes… disabled\n";
    expect(Object.fromEntries(parseRepolist(out))).toEqual({ fedora: true, "updates-testing": false });
  });
});

describe("parseModuleList", () => {
  it("enabled streams, default-marked or not; header and hint lines ignored", () => {
    const out = [
      "Last metadata expiration check: 0:01:02 ago on Mon 03 Mar 2025 10:00:00 AM UTC.",
      "CentOS Stream 9 - AppStream",
      "Name                Stream         Profiles                       Summary",
      "nodejs              20 [e]         common [d], development, s3    Javascript runtime",
      "postgresql          15 [d][e]      client, server [d]             PostgreSQL server and client module",
      "",
      "Hint: [d]efault, [e]nabled, [x]disabled, [i]nstalled",
    ].join("\n");
    expect(Object.fromEntries(parseModuleList(out))).toEqual({ nodejs: "20", postgresql: "15" });
  });
  it("nothing enabled → empty", () => {
    expect(parseModuleList("Last metadata expiration check: 0:00:19 ago.\n").size).toBe(0);
  });
});

describe("versions", () => {
  it.each([
    ["1.0", "1.0", 0],
    ["2.0", "1.0", 1],
    ["1.10", "1.9", 1],
    ["1.0a", "1.0", 1],
    ["1.0", "1.0a", -1],
    ["1.0~rc1", "1.0", -1],
    ["1.0^20250101", "1.0", 1],
    ["1.0^1", "1.0.1", -1],
    ["010", "10", 0],
    ["1.el10", "1.el9", 1],
    ["a", "1", -1],
  ] as const)("rpmvercmp(%s, %s) = %i", (a, b, want) => {
    expect(rpmvercmp(a, b)).toBe(want);
    expect(rpmvercmp(b, a)).toBe(0 - want); // antisymmetric (0 - want: never -0)
  });

  it.each([
    ["V-R equal → 0", "1.35.3-1.el10", pkg("koji", "0", "1.35.3", "1.el10"), 0],
    ["V only matches any release → 0", "1.35.3", pkg("koji", "0", "1.35.3", "7.el10"), 0],
    ["no epoch given matches any epoch → 0", "2.0-1", pkg("x", "3", "2.0", "1"), 0],
    ["higher epoch wins over version → 1", "1:0.9-1", pkg("x", "0", "2.0", "1"), 1],
    ["older release → -1", "1.35.3-1.el10", pkg("koji", "0", "1.35.3", "2.el10"), -1],
  ] as const)("compareEvr: %s", (_name, want, have, result) => {
    expect(compareEvr(parseEvr(want), have)).toBe(result);
  });
});

describe("renderRepoFile", () => {
  it("a defined repo → an ini section, gpgcheck on unless turned off", () => {
    expect(renderRepoFile({ id: "koji-internal", enabled: true, baseurl: "https://pkgs.example.com/el10/$basearch/", gpgkey: "file:///etc/pki/rpm-gpg/RPM-GPG-KEY-example" })).toBe(
      "# Managed by koji-fleet (package resource): local edits are overwritten.\n[koji-internal]\nname=koji-internal\nbaseurl=https://pkgs.example.com/el10/$basearch/\nenabled=1\ngpgcheck=1\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-example\n",
    );
  });
});

describe("DnfError", () => {
  it("keeps the last 20 lines of stderr", () => {
    const stderr = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n");
    const err = new DnfError(["/usr/bin/dnf", "-y", "install", "x"], { argv: [], exitCode: 1, signal: null, stdout: "", stderr, durationMs: 1, timedOut: false });
    expect(err.message.split("\n")).toEqual(["/usr/bin/dnf -y install x exited with code 1:", ...Array.from({ length: 20 }, (_, i) => `line ${i + 11}`)]);
  });
});
