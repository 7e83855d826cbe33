// The lease decision (pure) and the lease itself against a real nats-server's KV.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { LEASE_KEY, LeaderLease, leaseAction, type LeaseRecord } from "./leader-lease.js";
import { startNats, type NatsHandle } from "../../test/support/nats.js";
import { silentLogger } from "../../shared/log.js";
import { waitFor } from "../../test/support/wait.js";

const rec = (holder: string, ttlMs = 6_000): LeaseRecord => ({ holder, incarnation: "i1", term: 3, acquiredAt: "", renewedAt: "", ttlMs });

describe("leaseAction", () => {
  const me = { holder: "ctl-b", incarnation: "i9" };
  it("acquires a free lease, waits out another's, takes it over once unchanged for its ttl", () => {
    expect(leaseAction(me, null, 0)).toBe("acquire");
    expect(leaseAction(me, rec("ctl-a"), 5_999)).toBe("wait");
    expect(leaseAction(me, rec("ctl-a"), 6_000)).toBe("take-over");
    expect(leaseAction(me, rec("ctl-a", 20_000), 6_000)).toBe("wait"); // the holder's ttl counts, not ours
  });
  it("takes its own name's lease at once: that is its previous life", () => {
    expect(leaseAction(me, rec("ctl-b"), 0)).toBe("take-over");
  });
});

describe("LeaderLease on a real KV", () => {
  let nats: NatsHandle;
  let ncs: NatsConnection[] = [];
  let kv: KV;
  beforeAll(async () => {
    nats = await startNats();
    const nc = await connect({ servers: nats.url });
    ncs.push(nc);
    kv = await new Kvm(jetstream(nc)).create("kf-controller-test", { history: 5 });
  });
  afterAll(async () => {
    for (const nc of ncs) await nc.close().catch(() => undefined);
    await nats.stop();
  });

  /** A lease on its own connection, so a "crash" is closing that connection. */
  async function lease(holder: string, log: string[], ttlMs = 1_500) {
    const nc = await connect({ servers: nats.url });
    ncs.push(nc);
    const own = await new Kvm(jetstream(nc)).open("kf-controller-test");
    const l = new LeaderLease(own, { holder, incarnation: `${holder}-${Date.now()}` }, { ttlMs, checkMs: 50 }, {
      elected: (term) => log.push(`${holder} elected ${term} at ${Date.now()}`),
      deposed: (why) => log.push(`${holder} deposed: ${why}`),
    }, silentLogger());
    return { l, nc };
  }

  it("one of two simultaneous starters leads; the other takes over after the leader goes silent, never before it stopped acting", async () => {
    await kv.purge(LEASE_KEY).catch(() => undefined);
    const log: string[] = [];
    const a = await lease("a", log);
    const b = await lease("b", log);
    const states = await Promise.all([a.l.start(), b.l.start()]);
    expect(states.sort()).toEqual(["leader", "standby"]);
    const [leader, standby] = a.l.state === "leader" ? [a, b] : [b, a];

    // Renewals keep the standby waiting well past one ttl.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(standby.l.state).toBe("standby");
    expect(leader.l.mayAct()).toBe(true);

    // The leader's link dies: it stops acting first, then the standby takes over.
    const cutAt = Date.now();
    await leader.nc.close();
    await waitFor(() => standby.l.state === "leader", { timeoutMs: 5_000, message: "standby elected" });
    const electedAt = Number(/at (\d+)$/.exec(log.at(-1)!)![1]);
    expect(leader.l.state).toBe("suspended");
    expect(electedAt - cutAt).toBeGreaterThanOrEqual(1_000); // not before the lease could expire
    expect(electedAt - cutAt).toBeLessThan(3_000);
    const e = await kv.get(LEASE_KEY);
    expect(e?.json<LeaseRecord>()).toMatchObject({ holder: standby.l.me.holder, term: 2 });
    await standby.l.stop();
  });

  it("a clean stop releases the lease for an immediate takeover; a lease taken over deposes its old holder", async () => {
    await kv.purge(LEASE_KEY).catch(() => undefined);
    const log: string[] = [];
    const a = await lease("a", log, 3_000);
    const b = await lease("b", log, 3_000);
    expect(await a.l.start()).toBe("leader");
    expect(await b.l.start()).toBe("standby");
    await a.l.stop();
    await waitFor(() => b.l.state === "leader", { timeoutMs: 500, message: "b elected right after a released, well within the 3 s ttl" });

    // Someone else writes the key (another controller that judged the lease expired): b is deposed on its next renewal.
    const e = await kv.get(LEASE_KEY);
    await kv.update(LEASE_KEY, JSON.stringify({ ...e!.json<LeaseRecord>(), holder: "c", term: 9 }), e!.revision);
    await waitFor(() => b.l.state === "stopped", { timeoutMs: 2_000, message: "b deposed" });
    expect(log.at(-1)).toBe("b deposed: another controller took over the lease");
    expect(b.l.mayAct()).toBe(false);
  });

  it("a stop during a renewal still releases the lease (the renewal's new revision, not the one before it)", async () => {
    await kv.purge(LEASE_KEY).catch(() => undefined);
    const nc = await connect({ servers: nats.url });
    ncs.push(nc);
    const own = await new Kvm(jetstream(nc)).open("kf-controller-test");
    let renewing: () => void = () => undefined;
    const renewStarted = new Promise<void>((r) => (renewing = r));
    // A renewal the server applied whose answer is 300 ms late, as under load.
    const slow = new Proxy(own, {
      get: (t, k) =>
        k === "update"
          ? async (...a: Parameters<KV["update"]>) => {
              const revision = await t.update(...a);
              renewing();
              await new Promise((r) => setTimeout(r, 300));
              return revision;
            }
          : Reflect.get(t, k),
    });
    const a = new LeaderLease(slow, { holder: "a", incarnation: `a-${Date.now()}` }, { ttlMs: 600, checkMs: 50 }, { elected: () => undefined, deposed: () => undefined }, silentLogger());
    expect(await a.start()).toBe("leader");
    await renewStarted;
    await a.stop();
    expect((await kv.get(LEASE_KEY))?.operation).toBe("DEL");
  });
});
