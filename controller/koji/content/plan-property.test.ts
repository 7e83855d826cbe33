// The round trip, as a property: for seeded random valid contents, converging a hub from the
// previous content's converged state takes one pass (every call accepted by the simulated hub,
// with Koji's refusals), after which the plan against the hub (which now is the desired state)
// is empty. One limit: an entry a tag gets through inheritance is compared with what the parent
// holds when the plan is made; when a child declares a group or package its parent also declares
// and the same plan changes the parent's, the child's takes a second pass.
import { describe, expect, it } from "vitest";
import { ContentHub, step } from "../../../test/support/koji-content-hub.js";
import { randomContent } from "../../../test/support/random-content.js";
import { planLines } from "./plan.js";

/** Converges 200 random contents one after the other; returns how many needed a second pass. */
function roundTrips(shared: boolean): { calls: number; secondPass: number } {
  let hub = new ContentHub();
  let owned = new Set<string>();
  let calls = 0;
  let secondPass = 0;
  for (let seed = 1; seed <= 200; seed++) {
    if (seed % 50 === 0) (hub = new ContentHub()), (owned = new Set());
    const content = randomContent(seed, shared);
    let s = step(hub, content, owned);
    calls += s.plan.calls.length;
    const left = (p: typeof s.again) => planLines(p).filter((l) => !l.startsWith("?") && !l.startsWith("!"));
    if (left(s.again).length > 0 && shared) {
      secondPass++;
      s = step(hub, content, s.owned);
    }
    expect(left(s.again), `seed ${seed}`).toEqual([]);
    owned = s.owned;
  }
  return { calls, secondPass };
}

describe("round trip", () => {
  it("200 random contents, each tag with groups and packages of its own: each converges in one pass, then plans nothing", () => {
    const { calls } = roundTrips(false);
    // The property says something only if the plans did work.
    expect(calls).toBeGreaterThan(2000);
  });

  it("200 random contents where tags redeclare what their parents declare: at most two passes, mostly one", () => {
    const { calls, secondPass } = roundTrips(true);
    expect(calls).toBeGreaterThan(2000);
    expect(secondPass).toBeLessThan(40);
  });
});
