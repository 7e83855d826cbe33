import { describe, expect, it } from "vitest";
import { loadOutput } from "../kinds/testdata/load-output.js";
import { addArgv, addFailures, listArgv, parseList, portOpen } from "./firewalld.js";

const fixture = (name: string) => loadOutput("firewall-cmd", name);

describe("firewall-cmd --list-services / --list-ports parser", () => {
  it.each<[string, string, string[]]>([
    ["default CS10 public zone", "list-services-default.txt", ["cockpit", "dhcpv6-client", "ssh"]],
    ["zone with https and nfs added", "list-services-koji.txt", ["cockpit", "dhcpv6-client", "https", "nfs", "ssh"]],
    ["no ports → empty output → empty list", "list-ports-empty.txt", []],
    ["range and single port, sorted by protocol", "list-ports-range.txt", ["8000-8010/tcp", "2049/udp"]],
  ])("%s", (_name, file, want) => {
    expect(parseList(fixture(file).stdout)).toEqual(want);
  });
});

describe("port coverage (firewalld coalesces ranges)", () => {
  const listed = ["8000-8010/tcp", "2049/udp"];
  it.each<[string, boolean]>([
    ["8000-8010/tcp", true],
    ["8005/tcp", true],
    ["8005/udp", false],
    ["8009-8011/tcp", false],
    ["2049/udp", true],
    ["2049/tcp", false],
  ])("%s → %s", (port, open) => {
    expect(portOpen(port, listed)).toBe(open);
  });
});

describe("add warnings", () => {
  it.each<[string, string, string[]]>([
    ["clean add → nothing", "add-success.txt", []],
    ["already enabled → harmless", "add-already-enabled.txt", []],
    ["one unknown service among several (exit 0) → reported", "add-partly-invalid.txt", ["Warning: INVALID_SERVICE: 'kojihub' not among existing services"]],
  ])("%s", (_name, file, want) => {
    expect(addFailures(fixture(file).stderr)).toEqual(want);
  });
});

describe("firewall-cmd argv", () => {
  it("runtime list has no --permanent; permanent list has it first", () => {
    expect(listArgv("public", "runtime", "services")).toEqual(["/usr/bin/firewall-cmd", "--zone=public", "--list-services"]);
    expect(listArgv("public", "permanent", "ports")).toEqual(["/usr/bin/firewall-cmd", "--permanent", "--zone=public", "--list-ports"]);
  });
  it("several services → one call with --add-service repeated", () => {
    expect(addArgv("public", "permanent", "service", ["https", "nfs"])).toEqual(["/usr/bin/firewall-cmd", "--permanent", "--zone=public", "--add-service=https", "--add-service=nfs"]);
  });
});
