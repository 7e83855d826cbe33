// Pure: what the pins make of a revision's compiled contents.
import { describe, expect, it } from "vitest";
import type { CatalogContent } from "../../shared/protocol.js";
import { holdPinned, pinControl, pinnedRevisions, Pins } from "./pins.js";

const content = (host: string, text: string): CatalogContent => ({
  host, roles: ["builder"], probes: [],
  resources: [{ id: `file:/etc/${host}`, kind: "file", props: { path: `/etc/${host}`, content: text }, requires: [], notifies: [] }],
});
const HEAD = "c".repeat(40);
const OLD = "a".repeat(40);
const BAD = "b".repeat(40);
const pinned: Record<string, string> = { h1: OLD, h2: BAD, h3: HEAD, h4: OLD };
const revisionFor = (host: string) => pinned[host] ?? null;
const head = ["h0", "h1", "h2", "h3", "h4", "h5"].map((h) => content(h, "head"));

describe("pins on a compiled revision", () => {
  it("names each revision other than head once, in the order hosts first need it", () => {
    expect(pinnedRevisions(head.map((c) => c.host), HEAD, revisionFor)).toEqual([OLD, BAD]);
    expect(pinnedRevisions(head.map((c) => c.host), HEAD, () => null)).toEqual([]);
  });

  it("holds pinned hosts at their revision's content; an invalid revision, or one without the host, follows head", () => {
    const held = holdPinned(head, HEAD, revisionFor, new Map([[OLD, [content("h1", "old")]], [BAD, null]]));
    expect(held.contents.map((c) => [c.host, c.resources[0]?.props.content])).toEqual([
      ["h0", "head"], ["h1", "old"], ["h2", "head"], ["h3", "head"], ["h4", "head"], ["h5", "head"],
    ]);
    expect([...held.revisionOf]).toEqual([["h1", OLD]]);
    expect(held.followingHead).toEqual([{ host: "h2", revision: BAD }, { host: "h4", revision: OLD }]);
  });
});

describe("pin control", () => {
  const SHA = "d".repeat(40);
  function control(head: string | null = HEAD) {
    const events: { type: string; message: string; extra: { host?: string; revision?: string; data?: Record<string, unknown> } }[] = [];
    let recompiles = 0;
    const pins = new Pins(null);
    const c = pinControl({
      pins,
      compileAt: async (rev) => ({ ok: true, revision: { sha: rev.length === 40 ? rev : SHA }, catalogs: [{ host: "h1" }] }),
      recompile: async () => void recompiles++,
      head: () => head,
      inFleet: (h) => h === "h1",
      now: () => "2026-11-26T12:00:00.000Z",
      emit: (type, _severity, message, extra) => void events.push({ type, message, extra }),
    });
    return { c, pins, events, recompiles: () => recompiles };
  }

  it("a pin records who and when, and is its own event, not a revision accepted", async () => {
    const { c, pins, events } = control();
    expect(await c.pin("h1", "abc1234", "admin")).toMatchObject({ ok: true });
    expect(pins.state.hosts.h1).toEqual({ revision: SHA, since: "2026-11-26T12:00:00.000Z", by: "admin" });
    expect(pins.heldBy("h1")).toEqual({ kind: "pinned", revision: SHA, since: "2026-11-26T12:00:00.000Z", by: "admin" });
    expect(events).toEqual([{ type: "host-pinned", message: expect.stringContaining(`h1 pinned to ${SHA.slice(0, 12)} by admin`), extra: { host: "h1", revision: SHA, data: { by: "admin" } } }]);
    expect(await c.unpin("h1", "api")).toMatchObject({ ok: true });
    expect(events[1]).toMatchObject({ type: "host-unpinned", extra: { host: "h1", data: { by: "api", pinnedBy: "admin" } } });
    expect(await c.unpin("h1", "api")).toMatchObject({ ok: false, code: "KF_ERR_NOT_FOUND" });
    expect(events).toHaveLength(2);
  });

  it("a rollback starts and ends by --cancel with events; a host not pinned is held by it", async () => {
    const { c, pins, events, recompiles } = control();
    expect(await c.cancelRollback("api")).toMatchObject({ ok: false, code: "KF_ERR_NOT_FOUND" });
    expect(await c.rollback(OLD, "api")).toMatchObject({ ok: true });
    expect(pins.heldBy("h9")).toEqual({ kind: "rolled-back", revision: OLD, by: "api", since: "2026-11-26T12:00:00.000Z" });
    expect(await c.cancelRollback("admin")).toMatchObject({ ok: true, state: { rollback: null } });
    expect(pins.heldBy("h9")).toBeNull();
    expect(events.map((e) => e.type)).toEqual(["rollback-started", "rollback-ended"]);
    expect(events[1]).toMatchObject({ extra: { revision: OLD, data: { by: "admin", reason: "cancelled", startedBy: "api" } } });
    expect(recompiles()).toBe(2);
  });

  it("a record from before `by` existed loads as by api", async () => {
    const kv = { get: async () => ({ operation: "PUT", json: () => ({ hosts: { h1: { revision: OLD, since: "t" } }, rollback: { revision: OLD, atHead: HEAD, since: "t" } }) }) };
    const pins = new Pins(kv as never);
    await pins.load();
    expect([pins.state.hosts.h1?.by, pins.state.rollback?.by]).toEqual(["api", "api"]);
  });
});
