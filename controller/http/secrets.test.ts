import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readControllerConfig, withDefaults } from "../config.js";
import { readApiTokens, readHttpAuth, readWebhookSecret } from "./secrets.js";

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
    expect(readHttpAuth(base)).toEqual({ readAccess: "loopback", adminCommonNames: [] });
    const secret = file("0123456789abcdefXYZ\n");
    const tokens = file("tok-0123456789abcdef\n");
    expect(readHttpAuth({ ...base, readAccess: "token", webhookSecretFile: secret, apiTokensFile: tokens })).toEqual({
      readAccess: "token",
      adminCommonNames: [],
      webhookSecret: "0123456789abcdefXYZ",
      apiTokens: ["tok-0123456789abcdef"],
    });
  });
});

describe("controller.yaml http keys", () => {
  const yaml = (http: string) => file(`git:\n  url: /srv/git\nnats:\n  servers: [nats://127.0.0.1:4222]\nhttp:\n${http}`, 0o644);

  it("defaults keep today's behaviour: loopback reads, no secrets", () => {
    expect(readControllerConfig(yaml("  port: 8470\n")).http).toEqual({ host: "127.0.0.1", port: 8470, readAccess: "loopback", adminCommonNames: [] });
  });

  it.each<[string, string, RegExp]>([
    ["an inline secret", "  webhookSecret: hunter2\n", /:6:3: .*webhookSecret/],
    ["a relative secret path", "  webhookSecretFile: secret.txt\n", /:6:\d+: .*pattern/],
    ["an unknown readAccess", "  readAccess: everyone\n", /:6:\d+: /],
    ["readAccess token without tokens", "  readAccess: token\n", /:6:15: readAccess: token needs http.apiTokensFile/],
    ["admin CNs without a client CA", "  adminCommonNames: [ops]\n", /:6:21: adminCommonNames needs http.tls.clientCaFile/],
  ])("%s → file:line:col error", (_case, http, message) => {
    expect(() => readControllerConfig(yaml(http))).toThrow(message);
  });
});
