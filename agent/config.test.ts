import { describe, expect, it } from "vitest";
import { formatConfigError, loadYaml } from "../shared/yaml-config.js";
import { loadYamlInterpreted } from "../shared/yaml-document.js";
import { AgentConfigSchema } from "./config.js";

describe("agent.yaml is checked by TypeBox's interpreter (no Ajv in the agent) with the errors Ajv gives", () => {
  const messages = (res: ReturnType<typeof loadYaml>) => (res.ok ? ["ok"] : res.errors.map(formatConfigError));
  it.each([
    ["valid", "host: a\nnats:\n  servers: [nats://x:4222]\n"],
    ["too few items, an unknown key at the top", "host: cs10-koji-00\nnats:\n  servers: []\nrooot: /\n"],
    ["a host outside the pattern", "host: CHANGE-ME\nnats:\n  servers: [nats://x:4222]\n"],
    ["a missing key: only that, not also its type", "nats:\n  servers: [nats://x:4222]\n"],
    ["pattern, type, minimum at once", "host: a\nnats:\n  servers: [nats://x:4222]\nheartbeatSeconds: 0\nroot: rel\nsandbox: yes\n"],
    ["nested: missing and unknown keys, a non-integer", "host: a\nnats:\n  servers: [nats://x:4222]\n  tls: {ca: 3}\nenrollment: {tokenFile: /x, extra: 1}\nretrySeconds: 1.5\n"],
    ["a scalar where an object belongs", "host: a\nnats: 3\n"],
    ["a list at the top", "- a\n"],
  ])("%s", (_name, text) => {
    expect(messages(loadYamlInterpreted(text, "agent.yaml", AgentConfigSchema))).toEqual(messages(loadYaml(text, "agent.yaml", AgentConfigSchema)));
  });

  it("a value outside a union of constants: what was written, did you mean, the allowed values", () => {
    const res = loadYamlInterpreted("host: a\nnats:\n  servers: [nats://x:4222]\nlogLevel: warnn\n", "agent.yaml", AgentConfigSchema);
    expect(messages(res)).toEqual(["agent.yaml:4:11: /: unknown logLevel 'warnn' (did you mean 'warn'?); allowed: trace, debug, info, warn, error, silent"]);
  });
});
