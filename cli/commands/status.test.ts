import { describe, expect, it } from "vitest";
import { checkVerdict } from "./status.js";

const rev = (sha: string) => ({ sha, shortSha: sha.slice(0, 7), message: "m", author: "a", authorEmail: "a@example.org", date: "2026-12-06T00:00:00Z" });
const valid = { revision: rev("a".repeat(40)), validation: { state: "valid" as const, revision: rev("a".repeat(40)), errors: [] } };
const rejected = { revision: rev("a".repeat(40)), validation: { state: "invalid" as const, revision: rev("b".repeat(40)), errors: [] } };
const ready = [{ host: "h1", phase: "Ready" as const }, { host: "h2", phase: "Progressing" as const }];
const oneFailed = [{ host: "h1", phase: "Failed" as const }, { host: "h2", phase: "Ready" as const }];

describe("status --check: the exit code says whether the fleet is right", () => {
  it.each([
    ["valid, no host Failed → 0 (null)", valid, ready, null],
    ["a host Failed → 7 naming it", valid, oneFailed, { exit: 7, reason: "1 host(s) failed: h1" }],
    ["the newest commit rejected → 1, before any failed host", rejected, oneFailed, { exit: 1, reason: `the newest commit ${"b".repeat(12)} was rejected; ${"a".repeat(12)} stays in force` }],
  ])("%s", (_name, fleet, hosts, expected) => {
    expect(checkVerdict(fleet, hosts)).toEqual(expected);
  });
});
