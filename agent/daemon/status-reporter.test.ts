import { describe, expect, it } from "vitest";
import { silentLogger } from "../../shared/log.js";
import type { HostStatus } from "../../shared/protocol.js";
import { iso } from "../../shared/time.js";
import { FakeClock } from "../../test/support/fake-clock.js";
import type { AgentFacts } from "../status.js";
import { StatusReporter } from "./status-reporter.js";

/** A reporter on a fake clock whose puts are recorded and answered by `answer` (a put may be held open). */
function harness() {
  const fake = new FakeClock();
  const facts: AgentFacts = {
    host: "h1", startedAt: iso(fake.clock()), now: iso(fake.clock()), heartbeatSeconds: 15,
    observed: null, applied: null, lastConverge: null, resources: [], probes: [], startingUntil: null, rejected: null, converging: false,
  };
  const puts: HostStatus[] = [];
  let answer: () => Promise<boolean> = async () => true;
  const reporter = new StatusReporter({
    facts: () => ({ ...facts, now: iso(fake.clock()) }),
    publish: (s) => {
      puts.push(s);
      return answer();
    },
    timers: fake.timers,
    log: silentLogger(),
  });
  return { fake, facts, puts, reporter, answer: (a: () => Promise<boolean>) => (answer = a) };
}

const held = () => {
  let release = (): void => {};
  const promise = new Promise<boolean>((resolve) => (release = () => resolve(true)));
  return { promise, release };
};

describe("StatusReporter", () => {
  it("reports asked for while a put is in flight become one put, of the facts as they are when its turn comes", async () => {
    const h = harness();
    const first = held();
    h.answer(() => first.promise);
    h.reporter.changed();
    await h.fake.settle();
    expect(h.puts).toHaveLength(1);
    h.answer(async () => true);
    h.facts.rejected = "a";
    h.reporter.changed();
    h.reporter.heartbeat();
    h.facts.rejected = "b";
    h.reporter.changed();
    first.release();
    await h.fake.settle();
    expect(h.puts).toHaveLength(2);
    expect(h.puts[1]?.conditions.find((c) => c.type === "Converged")?.message).toBe("b");
  });

  it("a failed put is tried again every second until one gets through", async () => {
    const h = harness();
    let failures = 3;
    h.answer(async () => {
      if (failures-- > 0) throw new Error("no responders");
      return true;
    });
    h.reporter.changed();
    await h.fake.settle();
    expect(h.puts).toHaveLength(1);
    await h.fake.advance(999);
    expect(h.puts).toHaveLength(1);
    await h.fake.advance(1);
    expect(h.puts).toHaveLength(2);
    await h.fake.advance(2_000);
    expect(h.puts).toHaveLength(4); // the 4th got through
    await h.fake.advance(10_000);
    expect(h.puts).toHaveLength(4);
    expect(h.fake.timersPending).toBe(0);
  });

  it("no retry once a later report got through", async () => {
    const h = harness();
    h.answer(async () => {
      throw new Error("timeout");
    });
    h.reporter.changed();
    await h.fake.advance(500);
    h.answer(async () => true);
    h.reporter.heartbeat();
    await h.fake.advance(5_000);
    expect(h.puts).toHaveLength(2);
  });

  it("without NATS nothing is put and nothing retried: the connect reports", async () => {
    const h = harness();
    h.answer(async () => false);
    h.reporter.changed();
    await h.fake.advance(5_000);
    expect(h.puts).toHaveLength(1);
    expect(h.fake.timersPending).toBe(0);
  });

  it("keeps a condition's lastTransitionTime while it stays as it was", async () => {
    const h = harness();
    h.reporter.changed();
    await h.fake.settle();
    await h.fake.advance(60_000);
    h.reporter.heartbeat();
    await h.fake.settle();
    h.facts.rejected = "bad signature";
    await h.fake.advance(60_000);
    h.reporter.changed();
    await h.fake.settle();
    const converged = h.puts.map((s) => s.conditions.find((c) => c.type === "Converged")?.lastTransitionTime);
    expect(converged).toEqual(["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", "2026-01-01T00:02:00.000Z"]);
  });

  it("close() makes the last report and leaves no retry behind", async () => {
    const h = harness();
    h.answer(async () => {
      throw new Error("draining");
    });
    await h.reporter.close();
    expect(h.puts).toHaveLength(1);
    await h.fake.advance(5_000);
    expect(h.puts).toHaveLength(1);
    expect(h.fake.timersPending).toBe(0);
  });
});
