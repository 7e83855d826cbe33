import { describe, expect, it } from "vitest";
import { EVENT_MAX_BYTES, byteLength, fitEvent } from "./bus-limits.js";
import type { FleetEvent } from "./protocol.js";

const event = (over: Partial<FleetEvent>): FleetEvent =>
  ({ protocol: "kf.v1.event", id: "0123456789", at: "2025-01-01T00:00:00.000Z", source: "agent", host: "host-a", type: "failed", severity: "error", message: "m", ...over }) as FleetEvent;

describe("fitEvent", () => {
  it("sends an event that fits as it is", () => {
    const e = event({ data: { failed: ["file:/etc/a: EACCES"] } });
    expect(fitEvent(e)).toBe(JSON.stringify(e));
  });
  it("drops the data, then the end of the message, of one that does not: it stays an event, under the stream's limit", () => {
    const worst = event({ message: "\u0001".repeat(100_000), data: { failed: Array.from({ length: 2_000 }, (_, i) => `resource ${i}: ${"é".repeat(100)}`) } });
    const sent = fitEvent(worst);
    expect(byteLength(sent)).toBeLessThanOrEqual(EVENT_MAX_BYTES);
    const back = JSON.parse(sent) as FleetEvent;
    expect(back).toMatchObject({ id: worst.id, host: "host-a", type: "failed", data: { truncated: true } });
    expect(back.message).toBe(worst.message.slice(0, 4_096));
  });
});
