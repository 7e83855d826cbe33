import { describe, expect, it } from "vitest";
import { loadOutput } from "../kinds/testdata/load-output.js";
import { parseBooleanList, parseGetenforce, parseGetsebool, setseboolArgv } from "./selinux.js";
import { fcontextSetArgv, parseFcontextList, parseRelabels, pathOfPattern, restoreconArgv } from "./selinux-fcontext.js";

describe("getenforce parser", () => {
  it.each([
    ["enforcing.txt", "enforcing"],
    ["permissive.txt", "permissive"],
    ["disabled.txt", "disabled"],
  ])("%s → %s", (file, mode) => {
    expect(parseGetenforce(loadOutput("getenforce", file).stdout)).toBe(mode);
  });
  it("anything else → error quoting it", () => {
    expect(() => parseGetenforce("maybe\n")).toThrow('unexpected getenforce output "maybe"');
  });
});

describe("getsebool parser", () => {
  it.each<[string, string, object]>([
    ["off", "httpd_use_nfs-off.txt", { name: "httpd_use_nfs", active: false }],
    ["on", "httpd_use_nfs-on.txt", { name: "httpd_use_nfs", active: true }],
    ["old alias → the policy's name", "alias-allow_httpd_anon_write.txt", { name: "httpd_anon_write", active: false }],
  ])("%s", (_name, file, want) => {
    expect(parseGetsebool(loadOutput("getsebool", file).stdout)).toEqual(want);
  });
  it("pending value → kept", () => {
    expect(parseGetsebool("httpd_use_nfs --> off pending: on\n")).toEqual({ name: "httpd_use_nfs", active: false, pending: true });
  });
});

describe("semanage boolean -l parser (State = runtime, Default = persistent)", () => {
  it.each<[string, string, { state: boolean; persistent: boolean }]>([
    ["fresh install", "boolean-list-default.txt", { state: false, persistent: false }],
    ["after setsebool -P", "boolean-list-nfs-on.txt", { state: true, persistent: true }],
    ["after setsebool without -P", "boolean-list-nfs-runtime-only.txt", { state: true, persistent: false }],
  ])("%s", (_name, file, want) => {
    const list = parseBooleanList(loadOutput("semanage", file).stdout);
    expect(list.get("httpd_use_nfs")).toEqual(want);
    expect(list.size).toBe(6); // the heading is not a row
  });
});

describe("semanage fcontext -l -C parser", () => {
  it.each<[string, string, object[]]>([
    ["no local rules → nothing printed → none", "fcontext-local-empty.txt", []],
    ["two rules, trailing space, MCS range", "fcontext-local-koji.txt", [
      { pattern: "/srv/lookaside(/.*)?", fileType: "all files", type: "httpd_sys_content_t" },
      { pattern: "/mnt/koji(/.*)?", fileType: "all files", type: "public_content_rw_t" },
    ]],
    ["directory-only rule; equivalence section skipped", "fcontext-local-dir-only.txt", [{ pattern: "/mnt/koji(/.*)?", fileType: "directory", type: "public_content_t" }]],
  ])("%s", (_name, file, want) => {
    expect(parseFcontextList(loadOutput("semanage", file).stdout)).toEqual(want);
  });
  it("<<None>> rule → type null", () => {
    expect(parseFcontextList("/mnt/koji/scratch(/.*)?    all files    <<None>>\n")).toEqual([{ pattern: "/mnt/koji/scratch(/.*)?", fileType: "all files", type: null }]);
  });
});

describe("restorecon -v parser", () => {
  it("clean tree → no line → nothing to relabel", () => {
    expect(parseRelabels(loadOutput("restorecon", "dry-run-clean.txt").stdout)).toEqual([]);
  });
  it("mislabeled tree → one entry per file, types only, unlabeled as null", () => {
    const r = parseRelabels(loadOutput("restorecon", "dry-run-mislabeled.txt").stdout);
    expect(r).toHaveLength(4);
    expect(r[0]).toEqual({ path: "/mnt/koji", from: "mnt_t", to: "public_content_rw_t" });
    expect(r[3]).toEqual({ path: "/mnt/koji/work/tasks/1234", from: null, to: "public_content_rw_t" });
  });
  it("real run (Relabeled …) parses the same way", () => {
    expect(parseRelabels(loadOutput("restorecon", "relabel.txt").stdout).map((x) => x.path)).toEqual(["/mnt/koji", "/mnt/koji/packages"]);
  });
});

describe("pattern → restorecon path", () => {
  it.each<[string, string | null]>([
    ["/mnt/koji(/.*)?", "/mnt/koji"],
    ["/srv/lookaside/.*", "/srv/lookaside"],
    ["/var/lib/kojid", "/var/lib/kojid"],
    ["/(.*)", null],
    ["/srv/[ab]data", "/srv"],
  ])("%s → %s", (pattern, path) => {
    expect(pathOfPattern(pattern)).toBe(path);
  });
});

describe("argv", () => {
  it("setsebool is always persistent (-P)", () => {
    expect(setseboolArgv("httpd_use_nfs", true)).toEqual(["/usr/sbin/setsebool", "-P", "httpd_use_nfs", "on"]);
  });
  it("semanage add/modify and restorecon dry run/real run", () => {
    expect(fcontextSetArgv("add", "public_content_rw_t", "/mnt/koji(/.*)?")).toEqual(["/usr/sbin/semanage", "fcontext", "-a", "-t", "public_content_rw_t", "/mnt/koji(/.*)?"]);
    expect(restoreconArgv("/mnt/koji", true, true)).toEqual(["/usr/sbin/restorecon", "-R", "-n", "-v", "/mnt/koji"]);
    expect(restoreconArgv("/mnt/koji", false, false)).toEqual(["/usr/sbin/restorecon", "-v", "/mnt/koji"]);
  });
});
