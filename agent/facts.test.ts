import { describe, expect, it } from "vitest";
import { factsFromOsRelease, parseOsRelease, describeOs } from "./facts.js";

// os-release files as these distributions ship them (trimmed to the fields we read).
const SAMPLES: [string, string, string][] = [
  ["CentOS Stream 10", 'NAME="CentOS Stream"\nVERSION="10 (Coughlan)"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="10"\nPRETTY_NAME="CentOS Stream 10 (Coughlan)"\n', "el"],
  ["RHEL 9", 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\n', "el"],
  ["AlmaLinux 9", 'NAME="AlmaLinux"\nID="almalinux"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n', "el"],
  ["Fedora 41", "NAME=\"Fedora Linux\"\nID=fedora\nVERSION_ID=41\nPRETTY_NAME=\"Fedora Linux 41 (Server Edition)\"\n", "fedora"],
  ["Debian 12", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n', "debian"],
  ["Alpine", "ID=alpine\nVERSION_ID=3.20.0\n", "unknown"],
];

describe("host facts from os-release", () => {
  it.each(SAMPLES)("%s → family %s", (_name, text, family) => {
    expect(factsFromOsRelease(parseOsRelease(text)).family).toBe(family);
  });

  it("unquotes values and keeps the version", () => {
    const f = factsFromOsRelease(parseOsRelease(SAMPLES[0]![1]));
    expect(f.os).toEqual({ id: "centos", versionId: "10", like: ["rhel", "fedora"], prettyName: "CentOS Stream 10 (Coughlan)" });
    expect(describeOs(f)).toBe("CentOS Stream 10 (Coughlan) (centos 10)");
  });

  it("ignores comments and junk lines", () => {
    expect(parseOsRelease("# comment\n\nnot a pair\nID=fedora\n")).toEqual({ ID: "fedora" });
  });
});
