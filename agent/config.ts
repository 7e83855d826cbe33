// The agent's config file (/etc/koji-fleet/agent.yaml), compiled once into a defaulted object.
import { readFileSync } from "node:fs";
import { Type, type Static } from "@sinclair/typebox";
import { HOST_NAME_PATTERN } from "../shared/names.js";
import { NatsConfigSchema } from "../shared/nats.js";
import { loadYaml, formatConfigError } from "../shared/yaml-config.js";
import { FleetError } from "../shared/errors.js";

export const AgentConfigSchema = Type.Object(
  {
    host: Type.String({ pattern: HOST_NAME_PATTERN }),
    nats: NatsConfigSchema,
    /** Every managed path lives under this root: "/" in production, a directory in tests and `up`. */
    root: Type.Optional(Type.String({ pattern: "^/" })),
    /** Sandbox: only file-like kinds apply (under root); packages, services… are reported, not changed. */
    sandbox: Type.Optional(Type.Boolean()),
    /** Report what would change, change nothing. */
    noop: Type.Optional(Type.Boolean()),
    stateDir: Type.Optional(Type.String({ pattern: "^/" })),
    /** The host's key and NATS client certificate, written by enrollment. */
    identityDir: Type.Optional(Type.String({ pattern: "^/" })),
    /** First start: a one-time token (koji-fleet token create HOST) and how to reach kf.enroll. */
    enrollment: Type.Optional(
      Type.Object(
        { tokenFile: Type.String({ pattern: "^/" }), nats: Type.Optional(NatsConfigSchema) },
        { additionalProperties: false },
      ),
    ),
    /** The controller's catalog-signing public key (PEM), pinned at enrollment. */
    catalogKeyFile: Type.Optional(Type.String({ pattern: "^/" })),
    /** Secret values referenced by catalogs, one 0600 file per secret name. */
    secretsDir: Type.Optional(Type.String({ pattern: "^/" })),
    heartbeatSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    reconvergeSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    /** After a converge with failed resources, converge again this soon, doubling up to reconvergeSeconds. */
    retrySeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    probeSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    /** Re-converge when a managed path changes (fs watch on their directories); default true. */
    watch: Type.Optional(Type.Boolean()),
    logLevel: Type.Optional(Type.Union(["trace", "debug", "info", "warn", "error", "silent"].map((l) => Type.Literal(l)))),
  },
  { additionalProperties: false },
);
export type AgentConfigFile = Static<typeof AgentConfigSchema>;

export type AgentConfig = Readonly<Required<Omit<AgentConfigFile, "nats" | "enrollment">>> & {
  readonly nats: AgentConfigFile["nats"];
  readonly enrollment?: AgentConfigFile["enrollment"];
};

export function withDefaults(c: AgentConfigFile): AgentConfig {
  return Object.freeze({
    host: c.host,
    nats: c.nats,
    root: c.root ?? "/",
    sandbox: c.sandbox ?? false,
    noop: c.noop ?? false,
    stateDir: c.stateDir ?? "/var/lib/koji-fleet",
    secretsDir: c.secretsDir ?? "/etc/koji-fleet/secrets",
    catalogKeyFile: c.catalogKeyFile ?? "/etc/koji-fleet/catalog-signing.pub",
    identityDir: c.identityDir ?? "/etc/koji-fleet/identity",
    ...(c.enrollment && { enrollment: c.enrollment }),
    heartbeatSeconds: c.heartbeatSeconds ?? 15,
    reconvergeSeconds: c.reconvergeSeconds ?? 300,
    retrySeconds: c.retrySeconds ?? 10,
    probeSeconds: c.probeSeconds ?? 30,
    watch: c.watch ?? true,
    logLevel: c.logLevel ?? "info",
  });
}

export function readAgentConfig(file: string): AgentConfig {
  const res = loadYaml(readFileSync(file), file, AgentConfigSchema);
  if (!res.ok) throw new FleetError("KF_ERR_CONFIG_INVALID", res.errors.map(formatConfigError).join("\n"));
  return withDefaults(res.value);
}
