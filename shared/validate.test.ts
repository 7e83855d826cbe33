import { describe, expect, it } from "vitest";
import { decodeCatalog, decodeHostStatus, MAX_MESSAGE_BYTES, ProtocolError } from "./validate.js";
import { VERSION } from "./version.js";
import pkg from "../package.json" with { type: "json" };

const catalog = {
  protocol: "kf.v1.catalog", host: "cs10-koji-03", revision: "abcdef1234567", generation: 3,
  issuedAt: "2026-11-26T12:00:00.000Z", digest: `sha256:${"a".repeat(64)}`, roles: ["builder"],
  resources: [{ id: "file:/etc/x", kind: "file", props: { path: "/etc/x" }, requires: [], notifies: [] }], probes: [],
};

describe("protocol validation of received messages", () => {
  it("accepts a well-formed catalog", () => {
    expect(decodeCatalog(JSON.stringify(catalog)).generation).toBe(3);
  });

  it.each<[string, string | Uint8Array, RegExp]>([
    ["not JSON", "{", /catalog: not JSON/],
    ["wrong protocol tag", JSON.stringify({ ...catalog, protocol: "kf.v2.catalog" }), /catalog: \/protocol/],
    ["host with a dot (unsafe as a subject token)", JSON.stringify({ ...catalog, host: "a.b" }), /catalog: \/host must match pattern/],
    ["generation 0", JSON.stringify({ ...catalog, generation: 0 }), /\/generation must be >= 1/],
    ["unknown member", JSON.stringify({ ...catalog, extra: 1 }), /must NOT have additional properties/],
    ["oversized", new Uint8Array(MAX_MESSAGE_BYTES + 1), /exceeds the \d+-byte limit/],
  ])("rejects %s with a ProtocolError", (_name, input, message) => {
    expect(() => decodeCatalog(input)).toThrow(ProtocolError);
    expect(() => decodeCatalog(input)).toThrow(message);
  });

  it("rejects a status that is missing its conditions", () => {
    expect(() => decodeHostStatus(JSON.stringify({ protocol: "kf.v1.status", host: "h" }))).toThrow(/host status: .*required/);
  });

  it("VERSION matches package.json", () => {
    expect(VERSION).toBe(pkg.version);
  });
});
