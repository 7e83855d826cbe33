import { describe, expect, it } from "vitest";
import { converge } from "../engine/converge.js";
import { lines, options, outcomes, res, tempRoot } from "../../test/support/engine.js";
import { conditionsFor } from "../status.js";
import { EL10 } from "../../test/support/kinds.js";

const catalog = (open: boolean) => [
  res("gate:koji-host-registered", "gate", { name: "koji-host-registered", open, waitingFor: "the controller to add cs10-koji-03.mx-os in Koji (addHost)" }),
  res("conf", "file", { path: "/kojid.conf", content: "x" }),
  res("start-kojid", "exec", { argv: ["/usr/bin/true"], creates: "/kojid.conf" }, { requires: ["gate:koji-host-registered", "conf"] }),
];

describe("gate", () => {
  it("closed → fails as Waiting, what requires it is skipped, the rest converges; the host is Waiting, not broken", async () => {
    const report = await converge(catalog(false), options(tempRoot(), { sandbox: false, facts: EL10 }));
    expect(outcomes(report)).toEqual({ "gate:koji-host-registered": "failed", conf: "changed", "start-kojid": "skipped" });
    expect(report.results[0]).toMatchObject({ errorCode: "KF_ERR_NOT_READY", error: "gate koji-host-registered closed: waiting for the controller to add cs10-koji-03.mx-os in Koji (addHost)" });
    const converged = conditionsFor(
      { host: "h", startedAt: "2026-01-01T00:00:00.000Z", now: "2026-01-01T00:00:00.000Z", heartbeatSeconds: 15, observed: null, applied: null, probes: [], startingUntil: null, rejected: null, converging: false,
        lastConverge: { startedAt: "2026-01-01T00:00:00.000Z", durationMs: 1, changed: 1, failed: 1, noop: false }, resources: report.results },
      [],
    ).find((c) => c.type === "Converged");
    expect(converged).toMatchObject({ status: "False", reason: "Waiting" });
  });

  it("open → nothing to do, and what requires it proceeds", async () => {
    const report = await converge(catalog(true), options(tempRoot(), { sandbox: false, facts: EL10 }));
    expect(outcomes(report)).toEqual({ "gate:koji-host-registered": "unchanged", conf: "changed", "start-kojid": "unchanged" });
  });

  it("noop of a closed gate says what it waits for", async () => {
    const report = await converge(catalog(false), options(tempRoot(), { sandbox: false, noop: true, facts: EL10 }));
    expect(lines(report)["gate:koji-host-registered"]).toEqual(["gate koji-host-registered closed: waiting for the controller to add cs10-koji-03.mx-os in Koji (addHost)"]);
  });
});
