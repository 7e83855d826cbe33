import { describe, expect, it } from "vitest";
import { StandbyServer } from "./standby.js";
import { silentLogger } from "../../shared/log.js";
import type { LeaseRecord } from "../nats/leader-lease.js";

describe("standby server", () => {
  const leader: LeaseRecord = { holder: "ctl-a", incarnation: "x", term: 4, acquiredAt: "2026-11-26T15:00:00.000Z", renewedAt: "2026-11-26T15:00:02.000Z", ttlMs: 6_000 };

  it("is alive, not ready, names the leader, and refuses the API with 503 KF_ERR_NOT_READY", async () => {
    const app = new StandbyServer(() => leader, "ctl-b", silentLogger()).build();
    expect((await app.inject("/healthz")).json()).toEqual({ status: "ok", role: "standby", id: "ctl-b" });
    const ready = await app.inject("/readyz");
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ error: { code: "KF_ERR_NOT_READY", message: "standby: the leader is ctl-a (term 4, since 2026-11-26T15:00:00.000Z)" } });
    expect((await app.inject("/api/v1/leader")).json()).toEqual({ id: "ctl-b", role: "standby", leader });
    const hosts = await app.inject({ method: "POST", url: "/api/v1/rollouts/current/resume" });
    expect(hosts.statusCode).toBe(503);
    expect(hosts.json().error.message).toBe("this controller (ctl-b) is a standby: the leader is ctl-a (term 4, since 2026-11-26T15:00:00.000Z)");
  });

  it("says so when no controller leads yet", async () => {
    const app = new StandbyServer(() => null, "ctl-b", silentLogger()).build();
    expect((await app.inject("/readyz")).json().error.message).toBe("standby: no leader yet");
  });
});
