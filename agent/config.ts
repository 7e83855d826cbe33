// The agent's config file (/etc/koji-fleet/agent.yaml), compiled once into a defaulted object.
import { Type, type Static } from "@sinclair/typebox";
import { HOST_NAME_PATTERN } from "../shared/names.js";
import { NatsConfigSchema } from "../shared/nats.js";
import { loadYamlInterpreted, formatConfigError, readConfigFile, type ConfigError, type LoadResult } from "../shared/yaml-document.js";
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
    /** After a converge that changed the host, failing probes say Starting for this long (0: never). */
    probeStartupSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
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
    probeStartupSeconds: c.probeStartupSeconds ?? 60,
    watch: c.watch ?? true,
    logLevel: c.logLevel ?? "info",
  });
}

/** How to make a missing agent.yaml. */
export const AGENT_CONFIG_HINT =
  "create it: the koji-fleet-agent package installs a commented one there (dnf reinstall koji-fleet-agent puts it back), or copy packaging/config/agent.yaml from the source; every key: docs/config.md";

/** The shipped agent.yaml's host, refused on purpose so an unedited agent cannot pose as another host. */
export const HOST_PLACEHOLDER = "CHANGE-ME";

export function readAgentConfig(file: string): AgentConfig {
  const res = loadYamlInterpreted(readConfigFile(file, AGENT_CONFIG_HINT), file, AgentConfigSchema);
  if (!res.ok) throw new FleetError("KF_ERR_CONFIG_INVALID", placeholderErrors(res, file).map(formatConfigError).join("\n"));
  return withDefaults(res.value);
}

/** The placeholder host says what to do instead of quoting the host name pattern. */
function placeholderErrors(res: Extract<LoadResult<unknown>, { ok: false }>, file: string): ConfigError[] {
  const host = (res.doc?.toJS() as { host?: unknown } | null | undefined)?.host;
  return res.errors.map((e) => (host === HOST_PLACEHOLDER && e.message.startsWith("/host ")
    ? { ...e, message: `set \`host\` in ${file}: it is still ${HOST_PLACEHOLDER} (this host's name in fleet.yaml)` }
    : e));
}
