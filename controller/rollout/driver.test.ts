// The driver around the pure step: a put that fails (NATS reconnecting, a cluster electing a
// stream leader) is neither lost nor an unhandled rejection; the next tick publishes it.
import { describe, expect, it } from "vitest";
import { RolloutDriver } from "./driver.js";
import { FleetState } from "../fleet-state.js";
import { KOJI_ROLE_DEPENDENCIES } from "./graph.js";
import { createLogger } from "../../shared/log.js";
import type { Catalog } from "../../shared/protocol.js";
import { Writable } from "node:stream";

const catalog = (host: string, roles: string[]): Catalog =>
  ({ protocol: "kf.v1.catalog", host, revision: "r2", generation: 2, issuedAt: "2026-11-26T12:00:00.000Z", digest: `sha256:${host}`, roles, resources: [], probes: [] }) as unknown as Catalog;

describe("rollout driver", () => {
  it("keeps a catalog whose put failed pending and publishes it on the next tick", async () => {
    const state = new FleetState("2026-11-26T12:00:00.000Z");
    const lines: string[] = [];
    const log = createLogger("test", { level: "warn", destination: new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }) });
    const puts: string[] = [];
    let failures = 1;
    const driver = new RolloutDriver({
      state, log, clock: () => new Date("2026-11-26T12:00:01Z"), emit: () => {},
      settings: () => ({ maxUnavailable: 1, roleDependencies: KOJI_ROLE_DEPENDENCIES }),
      publish: async (c) => {
        if (failures-- > 0) throw new Error("no responders: '$KV.kf-desired.db'");
        puts.push(c.host);
        state.desired.set(c.host, c);
      },
    });
    driver.start("r2", [catalog("db", ["database"])]);
    await expect(driver.tick()).resolves.toBeUndefined();
    expect(puts).toEqual([]);
    expect(driver.current?.published).toEqual({});
    expect(lines.join("")).toMatch(/"no responders: .*"msg":"rollout step failed; retrying on the next tick"/);

    await driver.tick();
    expect(puts).toEqual(["db"]);
    expect(Object.keys(driver.current!.published)).toEqual(["db"]);
  });
});
