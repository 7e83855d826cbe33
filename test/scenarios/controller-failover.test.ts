// Beyond one machine (issue 10): two `koji-fleet controller` CLIs with `ha` share one farm (same
// git, NATS, CA and state directory, as on shared storage). One leads through the lease in
// kf-controller, the other stands by. The leader is SIGKILLed with a rollout half done: the
// standby takes over within 10 s and finishes the rollout, and kf-desired shows no catalog
// published twice and none out of order.
import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { TestFleet, HOSTS } from "../support/fleet.js";
import { waitFor } from "../support/wait.js";
import { HUB, expectPublishedOnceInOrder, holdRolloutAfterFirstWave } from "./half-rollout.js";
import { BUCKET_CONTROLLER } from "../../shared/names.js";
import { LEASE_KEY, type LeaseRecord } from "../../controller/nats/leader-lease.js";

const CLI = new URL("../../bin/koji-fleet.js", import.meta.url).pathname;

interface Ctl {
  id: string;
  url: string;
  config: string;
  child: ChildProcess | null;
  log: string;
}

describe("scenario: controller failover with a leader lease", () => {
  let fleet: TestFleet;
  let nc: NatsConnection;
  const ctls: Ctl[] = [];

  const readyz = async (c: Ctl): Promise<{ status: number; body: string }> => {
    const res = await fetch(`${c.url}/readyz`).catch(() => null);
    return res ? { status: res.status, body: await res.text() } : { status: 0, body: "" };
  };
  function start(c: Ctl): void {
    c.child = spawn(process.execPath, [CLI, "controller", "--config", c.config], { stdio: ["ignore", "pipe", "pipe"] });
    for (const s of [c.child.stdout!, c.child.stderr!]) s.on("data", (d: Buffer) => (c.log = (c.log + d.toString()).slice(-6_000)));
  }
  async function kill(c: Ctl): Promise<void> {
    const p = c.child!;
    if (p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGKILL");
    await exited;
  }
  const leaseRecord = async (): Promise<LeaseRecord | null> => (await (await new Kvm(nc).open(BUCKET_CONTROLLER)).get(LEASE_KEY))?.json<LeaseRecord>() ?? null;

  beforeAll(async () => {
    fleet = await TestFleet.start();
    await fleet.waitReady((await fleet.remote.git("rev-parse", "HEAD")).trim());
    await fleet.controller.stop();
    for (const id of ["ctl-a", "ctl-b"]) {
      const { file, url } = await fleet.writeControllerConfig(id, { ha: { id } });
      ctls.push({ id, url, config: file, child: null, log: "" });
    }
    nc = await connect({ servers: fleet.nats.url });
  }, 120_000);
  afterAll(async () => {
    for (const c of ctls) if (c.child) await kill(c);
    await nc?.close();
    await fleet?.stop();
  });

  it("one leads, the other stands by and says who leads", async () => {
    const [a, b] = ctls as [Ctl, Ctl];
    start(a);
    await waitFor(async () => (await readyz(a)).status === 200, { timeoutMs: 30_000, message: "ctl-a ready" }).catch((e: Error) => {
      throw new Error(`${e.message}\n${a.log}`);
    });
    start(b);
    // Its address answers from the start (healthz 200, readyz "connecting to NATS …"); standing by once it read the lease.
    await waitFor(async () => (await fetch(`${b.url}/healthz`).catch(() => null))?.status === 200, { timeoutMs: 30_000, message: "ctl-b serving health" });
    await waitFor(async () => (await readyz(b)).body.includes("standby"), { timeoutMs: 30_000, message: "ctl-b standing by" });
    const r = await readyz(b);
    expect(r.status).toBe(503);
    expect(r.body).toMatch(/standby: the leader is ctl-a \(term \d+/);
    expect((await fetch(`${b.url}/api/v1/hosts`)).status).toBe(503);
    expect(await leaseRecord()).toMatchObject({ holder: "ctl-a", ttlMs: 5_000 });
  }, 60_000);

  it("takes over within 10 s of the leader's SIGKILL and finishes its rollout, each catalog published once and in order", async () => {
    const [a, b] = ctls as [Ctl, Ctl];
    const termBefore = (await leaseRecord())!.term;
    fleet.apiUrl = a.url;
    const { before, next } = await holdRolloutAfterFirstWave(fleet);

    const killedAt = Date.now();
    await kill(a);
    await waitFor(async () => (await readyz(b)).status === 200, { timeoutMs: 15_000, intervalMs: 100, message: "ctl-b leading" }).catch((e: Error) => {
      throw new Error(`${e.message}\n${b.log}`);
    });
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(10_000);
    expect(await leaseRecord()).toMatchObject({ holder: "ctl-b", term: termBefore + 1 });

    fleet.apiUrl = b.url;
    fleet.startAgent(HUB);
    const views = await fleet.waitReady(next, HOSTS, 60_000);
    expect(views.map((v) => [v.host, v.revision, v.phase])).toEqual(HOSTS.map((h) => [h, next, "Ready"]));
    expect(await fleet.api("/api/v1/rollouts/current")).toMatchObject({ revision: next, phase: "Complete" });

    await expectPublishedOnceInOrder(nc, HOSTS, next, before);
    console.log(`failover: ctl-b ready ${takeoverMs} ms after ctl-a's SIGKILL (lease 5 s, the default)`);

    // The old leader comes back as a standby.
    start(a);
    await waitFor(async () => /standby: the leader is ctl-b/.test((await readyz(a)).body), { timeoutMs: 30_000, message: "ctl-a standing by" });
  }, 180_000);

  it("a clean stop hands over at once: the standby leads well within the lease's 5 s", async () => {
    const [a, b] = ctls as [Ctl, Ctl];
    const p = b.child!;
    const exited = new Promise((r) => p.once("exit", r));
    const stoppedAt = Date.now();
    p.kill("SIGTERM");
    await exited;
    await waitFor(async () => (await readyz(a)).status === 200, { timeoutMs: 10_000, intervalMs: 100, message: "ctl-a leading" });
    expect(Date.now() - stoppedAt).toBeLessThan(4_000);
    expect((await leaseRecord())?.holder).toBe("ctl-a");
  }, 60_000);

  it("a leader whose lease another controller took stops at once and exits 12 (KF_ERR_CONFLICT) for systemd to restart it", async () => {
    const [a] = ctls as [Ctl, Ctl];
    const p = a.child!;
    const exited = new Promise<number | null>((r) => p.once("exit", (code) => r(code)));
    const kv = await new Kvm(nc).open(BUCKET_CONTROLLER);
    const e = (await kv.get(LEASE_KEY))!;
    await kv.update(LEASE_KEY, JSON.stringify({ ...e.json<LeaseRecord>(), holder: "ctl-elsewhere", incarnation: "x" }), e.revision);
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("still running"), 10_000))]);
    expect(code).toBe(12);
    expect(a.log).toMatch(/no longer the leader: another controller took over the lease/);
  }, 30_000);
});
