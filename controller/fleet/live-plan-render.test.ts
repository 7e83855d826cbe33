// renderLivePlan's Koji part: what `koji-fleet plan --live` prints after the hosts.
import { describe, expect, it } from "vitest";
import { renderLivePlan, type LivePlan } from "./live-plan.js";

const base: LivePlan = { revision: "a".repeat(40), hosts: [], unchanged: ["cs10-koji-01"], removed: [] };

describe("renderLivePlan: Koji objects on the live hub", () => {
  it("ends with the hub's plan lines, indented, or says there is no change", () => {
    const text = renderLivePlan({ ...base, koji: { lines: ["+ tag mxos-11", "~ target mxos-10: dest mxos-10-candidate → mxos-10-testing"] } });
    expect(text.split("\n").slice(-3)).toEqual(["koji objects on the live hub: 2 line(s)", "  + tag mxos-11", "  ~ target mxos-10: dest mxos-10-candidate → mxos-10-testing"]);
    expect(renderLivePlan({ ...base, koji: { lines: [] } }).split("\n").at(-1)).toBe("koji objects on the live hub: no change");
  });

  it("says why when the hub could not be read, and nothing when there is no content to plan", () => {
    expect(renderLivePlan({ ...base, koji: { lines: [], error: "connect ECONNREFUSED" } }).split("\n").at(-1)).toBe("koji objects: the hub could not be read: connect ECONNREFUSED");
    expect(renderLivePlan(base)).not.toMatch(/koji objects/);
  });
});
