import { describe, expect, it } from "vitest";
import { issuePolicy } from "./issue-policy.js";

describe("issuePolicy (ca issue)", () => {
  it("server: CN=NAME, IP and DNS SANs sorted by form, serverAuth", () => {
    expect(issuePolicy({ kind: "server", name: "nats.example.org", sans: ["nats.example.org", "192.0.2.10", "::1", "*.koji.example.org"], days: 825 })).toEqual({
      subject: [["CN", "nats.example.org"]],
      usage: "server",
      days: 825,
      dnsNames: ["nats.example.org", "*.koji.example.org"],
      ipAddresses: ["192.0.2.10", "::1"],
    });
  });

  it("client: O, OU, CN in certificate order, no SANs", () => {
    expect(issuePolicy({ kind: "client", name: "enroll", sans: [], org: "koji-fleet", ou: "enrollment", days: 30 })).toEqual({
      subject: [["O", "koji-fleet"], ["OU", "enrollment"], ["CN", "enroll"]],
      usage: "client",
      days: 30,
    });
  });

  it.each([
    [{ kind: "server", name: "nats", sans: [] }, "a server certificate needs at least one --san"],
    [{ kind: "server", name: "nats", sans: ["not a name"] }, "--san 'not a name' is neither an IP address nor a DNS name"],
    [{ kind: "client", name: "controller", sans: ["x.example"] }, "--san is for server certificates"],
    [{ kind: "client", name: "controller", sans: [], days: 0 }, "--days must be a positive integer"],
    [{ kind: "client", name: "", sans: [] }, "invalid certificate name ''"],
  ] as const)("refuses %j", (req, message) => {
    expect(() => issuePolicy({ days: 1, ...req })).toThrow(message);
  });
});
