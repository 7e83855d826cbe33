import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readControllerConfig, withDefaults } from "../daemon-config.js";
import { createApiTokensFile, readApiTokens, readHttpAuth, readWebhookSecret } from "./secrets.js";

const dir = mkdtempSync(join(tmpdir(), "kf-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (content: string, mode = 0o600) => {
  const p = join(dir, `f${n++}`);
  writeFileSync(p, content);
  chmodSync(p, mode); // not the umask's say
  return p;
};

describe("secret files", () => {
  it("webhook secret: the file's content without the trailing newline", () => {
    expect(readWebhookSecret(file("0123456789abcdefXYZ\n"))).toBe("0123456789abcdefXYZ");
  });

  it("API tokens: one a line, comments and blank lines skipped", () => {
    expect(readApiTokens(file("# ops\ntok-0123456789abcdef\n\n  tok-fedcba9876543210  \n", 0o640))).toEqual(["tok-0123456789abcdef", "tok-fedcba9876543210"]);
  });

  it.each<[string, () => unknown, RegExp]>([
    ["a world-readable secret", () => readWebhookSecret(file("0123456789abcdefXYZ", 0o644)), /webhookSecretFile: .* mode 0644 gives other users access/],
    ["a missing secret file", () => readWebhookSecret(join(dir, "absent")), /webhookSecretFile: cannot use .*ENOENT/],
    ["a short secret", () => readWebhookSecret(file("short\n")), /shorter than 16/],
    ["an empty token file", () => readApiTokens(file("# nothing yet\n")), /has no token/],
    ["a short token", () => readApiTokens(file("tok-0123456789abcdef\nabc\n")), /a token .* shorter than 16/],
    ["two tokens on one line", () => readApiTokens(file("tok-0123456789abcdef tok-fedcba9876543210\n")), /whitespace inside a token/],
  ])("%s → KF_ERR_CONFIG_INVALID naming the key", (_case, read, message) => {
    expect(read).toThrow(expect.objectContaining({ code: "KF_ERR_CONFIG_INVALID", message: expect.stringMatching(message) }));
  });

  it("readHttpAuth turns the http config into app deps; no files → no secrets", () => {
    const base = withDefaults({ git: { url: "/srv/git" }, nats: { servers: ["nats://127.0.0.1:4222"] } }).http;
    expect(readHttpAuth(base)).toEqual({ readAccess: "loopback", adminCommonNames: [], allowUnauthenticatedLoopback: false, listenHost: "127.0.0.1", publicNames: [] });
    const secret = file("0123456789abcdefXYZ\n");
    const tokens = file("tok-0123456789abcdef\n");
    expect(readHttpAuth({ ...base, readAccess: "token", webhookSecretFile: secret, apiTokensFile: tokens })).toEqual({
      readAccess: "token",
      adminCommonNames: [],
      allowUnauthenticatedLoopback: false,
      listenHost: "127.0.0.1",
      publicNames: [],
      webhookSecret: "0123456789abcdefXYZ",
      apiTokens: ["tok-0123456789abcdef"],
    });
  });
});

describe("the API token file made at first start", () => {
  it("a missing file is created with one new token, 0600, that the controller then reads", () => {
    const f = join(mkdtempSync(join(dir, "state-")), "api-tokens");
    expect(createApiTokensFile(f)).toBe(true);
    expect(statSync(f).mode & 0o777).toBe(0o600);
    const [token] = readApiTokens(f);
    expect(token).toMatch(/^kf-[A-Za-z0-9_-]{43}$/);
    expect(readdirSync(join(f, ".."))).toEqual(["api-tokens"]);
  });

  it("an existing file is left alone; every new file gets its own token", () => {
    const kept = file("# ops\ntok-0123456789abcdef\n");
    expect(createApiTokensFile(kept)).toBe(false);
    expect(readFileSync(kept, "utf8")).toBe("# ops\ntok-0123456789abcdef\n");
    const [a, b] = [join(dir, "t-a"), join(dir, "t-b")].map((f) => (createApiTokensFile(f), readApiTokens(f)[0]));
    expect(a).not.toBe(b);
  });

  it("a file that cannot be made is KF_ERR_CONFIG_INVALID naming the key", () => {
    expect(() => createApiTokensFile(join(dir, "no-such-dir", "api-tokens"))).toThrow(
      expect.objectContaining({ code: "KF_ERR_CONFIG_INVALID", message: expect.stringMatching(/^http.apiTokensFile: cannot create .*no-such-dir\/api-tokens: ENOENT/) }),
    );
  });
});

describe("controller.yaml http keys", () => {
  const yaml = (http: string) => file(`git:\n  url: /srv/git\nnats:\n  servers: [nats://127.0.0.1:4222]\nhttp:\n${http}`, 0o644);

  it("defaults: loopback reads, no secrets, no write without credentials, no other names", () => {
    expect(readControllerConfig(yaml("  port: 8470\n")).http).toEqual({
      host: "127.0.0.1", port: 8470, readAccess: "loopback", adminCommonNames: [], allowUnauthenticatedLoopback: false, publicNames: [],
    });
  });

  it("allowUnauthenticatedLoopback and publicNames are read as written", () => {
    const http = readControllerConfig(yaml("  allowUnauthenticatedLoopback: true\n  publicNames: [fleet.example.org, 192.0.2.10, \"[2001:db8::1]\", \"2001:db8::2\"]\n")).http;
    expect(http).toMatchObject({ allowUnauthenticatedLoopback: true, publicNames: ["fleet.example.org", "192.0.2.10", "[2001:db8::1]", "2001:db8::2"] });
  });

  it("the packaged controller.yaml names a token file and leaves unauthenticated loopback writes off", () => {
    const http = readControllerConfig(new URL("../../packaging/config/controller.yaml", import.meta.url).pathname).http;
    expect(http.apiTokensFile).toBe("/var/lib/koji-fleet-controller/api-tokens");
    expect(http.allowUnauthenticatedLoopback).toBe(false);
  });

  it.each<[string, string, RegExp]>([
    ["an inline secret", "  webhookSecret: hunter2\n", /:6:3: .*webhookSecret/],
    ["a relative secret path", "  webhookSecretFile: secret.txt\n", /:6:\d+: .*pattern/],
    ["an unknown readAccess", "  readAccess: everyone\n", /:6:\d+: /],
    ["readAccess token without tokens", "  readAccess: token\n", /:6:15: readAccess: token needs http.apiTokensFile/],
    ["admin CNs without a client CA", "  adminCommonNames: [ops]\n", /:6:21: adminCommonNames needs http.tls.clientCaFile/],
    ["a public name with a port", "  publicNames: [fleet.example.org:443]\n", /:6:\d+: .*pattern/],
    ["allowUnauthenticatedLoopback not a boolean", "  allowUnauthenticatedLoopback: yes please\n", /:6:\d+: /],
  ])("%s → file:line:col error", (_case, http, message) => {
    expect(() => readControllerConfig(yaml(http))).toThrow(message);
  });
});
