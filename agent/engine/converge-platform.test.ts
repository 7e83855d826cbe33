import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import type { Kind } from "../kinds/kind.js";
import { factsFromOsRelease } from "../facts.js";
import { conditionsFor } from "../status.js";
import { converge } from "./converge.js";
import { options, res, tempRoot } from "../../test/support/engine.js";

let observed = 0;
const elOnly: Kind<{ name: string }, boolean> = {
  name: "el-thing",
  schema: Type.Object({ name: Type.String() }),
  appliesInSandbox: false,
  platforms: ["el", "fedora"],
  summary: (p) => `thing ${p.name}`,
  async observe() {
    observed++;
    return false;
  },
  diff: (_p, ok) => (ok ? [] : ["absent → present"]),
  async apply() {},
};
const kinds = new Map([["el-thing", elOnly]]);
const debian = factsFromOsRelease({ ID: "debian", VERSION_ID: "12", PRETTY_NAME: "Debian GNU/Linux 12 (bookworm)" });

describe("platform and sandbox handling", () => {
  it("a kind with no provider for the host's OS → failed KF_ERR_UNSUPPORTED naming kind and OS; the host is Stalled", async () => {
    const report = await converge([res("t", "el-thing", { name: "x" })], options(tempRoot(), { kinds, sandbox: false, facts: debian }));
    const r = report.results[0]!;
    expect(r).toMatchObject({ outcome: "failed", errorCode: "KF_ERR_UNSUPPORTED" });
    expect(r.error).toBe("resource kind 'el-thing' has no provider for Debian GNU/Linux 12 (bookworm) (debian 12); supported: el, fedora");
    const stalled = conditionsFor(
      { host: "h", startedAt: "2026-01-01T00:00:00.000Z", now: "2026-01-01T00:00:00.000Z", heartbeatSeconds: 15, observed: null, applied: null,
        lastConverge: { startedAt: "2026-01-01T00:00:00.000Z", durationMs: 1, changed: 0, failed: 1, noop: false }, resources: report.results, probes: [], startingUntil: null, rejected: null, converging: false },
      [],
    ).find((c) => c.type === "Stalled");
    expect(stalled).toMatchObject({ status: "True", reason: "UnsupportedPlatform" });
  });

  it("in sandbox an OS kind is neither observed nor applied, and says so", async () => {
    observed = 0;
    const report = await converge([res("t", "el-thing", { name: "x" })], options(tempRoot(), { kinds, sandbox: true, facts: debian }));
    expect(report.results[0]).toMatchObject({ outcome: "would-change", changes: ["sandbox: not observed or applied here (thing x)"] });
    expect(observed).toBe(0);
  });
});
