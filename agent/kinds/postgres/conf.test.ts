import { describe, expect, it } from "vitest";
import { hasInclude, hbaChanges, planSettings, renderSettings, renderValue, spliceHba, withInclude, type HbaRule } from "./conf.js";

describe("settings file", () => {
  it.each([
    ["string quoted", "UTC", "'UTC'"],
    ["quote doubled, backslash escaped", "it's \\x", "'it''s \\\\x'"],
    ["number bare", 100, "100"],
    ["booleans on/off", true, "on"],
  ])("renderValue: %s", (_n, v, want) => expect(renderValue(v)).toBe(want));

  const want = { listen_addresses: "*", password_encryption: "scram-sha-256", timezone: "UTC" };

  it("absent file → every setting listed, listen_addresses needs a restart", () => {
    expect(planSettings(want, null)).toEqual({
      lines: ["koji-fleet.conf: listen_addresses (unset) → '*' (needs restart)", "koji-fleet.conf: password_encryption (unset) → 'scram-sha-256'", "koji-fleet.conf: timezone (unset) → 'UTC'"],
      restartFor: ["listen_addresses"],
      write: true,
    });
  });

  it("same file → nothing", () => expect(planSettings(want, renderSettings(want))).toEqual({ lines: [], restartFor: [], write: false }));

  it("one value changed, one dropped → reload-only lines", () => {
    const live = renderSettings({ ...want, timezone: "GMT", log_min_duration_statement: 250 });
    expect(planSettings(want, live).lines).toEqual(["koji-fleet.conf: timezone 'GMT' → 'UTC'", "koji-fleet.conf: log_min_duration_statement 250 → (unset)"]);
  });

  it("hand-edited comment only → rewrite, settings unchanged", () => {
    expect(planSettings(want, `${renderSettings(want)}# mine\n`).lines).toEqual(["koji-fleet.conf: rewrite (settings unchanged)"]);
  });
});

describe("include line", () => {
  it.each([
    ["absent", "shared_buffers = 128MB\n", false],
    ["ours", "x = 1\ninclude_if_exists = 'koji-fleet.conf'\n", true],
    ["no spaces, trailing comment", "include_if_exists='koji-fleet.conf' # koji-fleet\n", true],
    ["commented out", "#include_if_exists = 'koji-fleet.conf'\n", false],
    ["another file", "include_if_exists = 'other.conf'\n", false],
  ])("hasInclude: %s", (_n, text, want) => expect(hasInclude(text)).toBe(want));

  it("appended last; a missing final newline is added first", () => {
    expect(withInclude("a = 1")).toBe("a = 1\ninclude_if_exists = 'koji-fleet.conf'\n");
  });
});

describe("pg_hba managed block", () => {
  const distro = "# PostgreSQL Client Authentication Configuration File\n#\n# TYPE  DATABASE USER ADDRESS METHOD\n\nlocal   all   all   peer\nhost    all   all   127.0.0.1/32   ident\n";
  const rules: HbaRule[] = [
    { type: "local", database: "all", user: "postgres", method: "peer" },
    { type: "host", database: "koji", user: "koji", address: "10.0.0.5/32", method: "scram-sha-256" },
  ];
  const block = "# BEGIN koji-fleet\nlocal all postgres peer\nhost koji koji 10.0.0.5/32 scram-sha-256\n# END koji-fleet\n";

  it("inserted before the distribution's first rule; comments and rules kept byte for byte", () => {
    expect(spliceHba(distro, rules)).toBe(`# PostgreSQL Client Authentication Configuration File\n#\n# TYPE  DATABASE USER ADDRESS METHOD\n\n${block}local   all   all   peer\nhost    all   all   127.0.0.1/32   ident\n`);
  });

  it("absent → one + line per rule; present and equal → nothing", () => {
    expect(hbaChanges(distro, rules)).toEqual(["pg_hba.conf: + local all postgres peer", "pg_hba.conf: + host koji koji 10.0.0.5/32 scram-sha-256"]);
    expect(hbaChanges(spliceHba(distro, rules), rules)).toEqual([]);
  });

  it("a rule replaced → - and + lines, the block is rewritten in place", () => {
    const live = spliceHba(distro, rules);
    const next: HbaRule[] = [rules[0]!, { ...rules[1]!, address: "10.0.0.6/32" }];
    expect(hbaChanges(live, next)).toEqual(["pg_hba.conf: - host koji koji 10.0.0.5/32 scram-sha-256", "pg_hba.conf: + host koji koji 10.0.0.6/32 scram-sha-256"]);
    expect(spliceHba(live, next)).toBe(spliceHba(distro, next));
  });

  it("block below a distribution rule (it would never match) → moved to the top", () => {
    const live = `${distro}${block}`;
    expect(hbaChanges(live, rules)).toEqual(["pg_hba.conf: move the koji-fleet block before the first rule"]);
    expect(spliceHba(live, rules)).toBe(spliceHba(distro, rules));
  });

  it("same rules in another order → reorder (first match wins, order matters)", () => {
    expect(hbaChanges(spliceHba(distro, rules), [rules[1]!, rules[0]!])).toEqual(["pg_hba.conf: reorder the koji-fleet rules"]);
  });

  it("empty file (before initdb) → just the block", () => expect(spliceHba("", rules)).toBe(block));

  it.each([
    ["BEGIN without END", `# BEGIN koji-fleet\n${distro}`],
    ["two blocks", `${block}${block}`],
    ["END before BEGIN", "# END koji-fleet\n# BEGIN koji-fleet\n"],
  ])("broken markers (%s) → error, never a guess", (_n, text) => {
    expect(() => hbaChanges(text, rules)).toThrow(/fix it by hand/);
  });
});
