import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readAgentConfig } from "../agent/config.js";
import { useTmpDirs } from "../test/support/tmp.js";
import { cloudInitUserData, type UserDataInput } from "./cloud-init-user-data.js";

const tmp = useTmpDirs();
const input: UserDataInput = {
  host: "cs10-koji-03",
  natsServers: ["tls://koji-controller.example.org:4222"],
  repoUrl: "http://koji-controller.example.org/koji-fleet/el10/",
  caPem: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
  enrollCertPem: "-----BEGIN CERTIFICATE-----\nENROLL\n-----END CERTIFICATE-----\n",
  enrollKeyPem: "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n",
  token: "tok-123",
};
type Doc = { yum_repos: Record<string, Record<string, unknown>>; write_files: { path: string; content: string; permissions: string }[]; runcmd: string[][] };

describe("cloudInitUserData", () => {
  it("a #cloud-config document: the repository, the files (secrets 0600), then dnf install and enable --now", () => {
    const text = cloudInitUserData(input);
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    const doc = parse(text) as Doc;
    expect(doc.yum_repos["koji-fleet"]).toEqual({ name: "koji-fleet", baseurl: input.repoUrl, enabled: true, gpgcheck: false });
    const files = Object.fromEntries(doc.write_files.map((f) => [f.path, f]));
    expect(files["/etc/koji-fleet/enrollment-token"]).toMatchObject({ content: "tok-123\n", permissions: "0600" });
    expect(files["/etc/koji-fleet/enroll.key"]).toMatchObject({ content: input.enrollKeyPem, permissions: "0600" });
    expect(files["/etc/koji-fleet/enroll.crt"]!.content).toBe(input.enrollCertPem);
    expect(files["/etc/koji-fleet/fleet-ca.crt"]!.content).toBe(input.caPem);
    expect(doc.runcmd).toEqual([["dnf", "install", "-y", "koji-fleet-agent"], ["systemctl", "enable", "--now", "koji-fleet-agent"]]);
  });

  it("with --gpg-key, dnf checks signatures", () => {
    const doc = parse(cloudInitUserData({ ...input, gpgKeyUrl: "http://x/RPM-GPG-KEY" })) as Doc;
    expect(doc.yum_repos["koji-fleet"]).toMatchObject({ gpgcheck: true, gpgkey: "http://x/RPM-GPG-KEY" });
  });

  it("its agent.yaml is one the agent accepts: the host, the servers, enrollment over mTLS as enroll", async () => {
    const doc = parse(cloudInitUserData(input)) as Doc;
    const file = join(await tmp(), "agent.yaml");
    await writeFile(file, doc.write_files.find((f) => f.path === "/etc/koji-fleet/agent.yaml")!.content);
    const config = readAgentConfig(file);
    expect(config.host).toBe("cs10-koji-03");
    expect(config.nats.servers).toEqual(input.natsServers);
    expect(config.enrollment).toMatchObject({
      tokenFile: "/etc/koji-fleet/enrollment-token",
      nats: { servers: input.natsServers, tls: { caFile: "/etc/koji-fleet/fleet-ca.crt", certFile: "/etc/koji-fleet/enroll.crt", keyFile: "/etc/koji-fleet/enroll.key" } },
    });
  });
});
