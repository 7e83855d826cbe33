// The controller's config file (/etc/koji-fleet/controller.yaml), compiled once into a defaulted object.
import { hostname } from "node:os";
import { Type, type Static } from "@sinclair/typebox";
import { NatsConfigSchema } from "../shared/nats.js";
import type { NatsServerSettings } from "./nats/authorization.js";
import { loadYaml, formatConfigError, readConfigFile, type ConfigError } from "../shared/yaml-config.js";
import { FleetError } from "../shared/errors.js";
import { READ_ACCESS, type ReadAccess } from "./http/api-auth.js";

// Secrets (webhook secret, API tokens, TLS key) are named by file, never inline: this file is
// often world-readable or kept in git. The controller reads them when it starts.
const AbsolutePath = Type.String({ pattern: "^/" });
/** A DNS name or an address, without a port (an IPv6 one with or without brackets). */
const HostName = Type.String({ pattern: "^([A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+\\]|[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)$" });

export const ControllerConfigSchema = Type.Object(
  {
    git: Type.Object(
      {
        /** Any URL git can fetch: https, ssh, or a local path. */
        url: Type.String({ minLength: 1 }),
        branch: Type.Optional(Type.String({ minLength: 1 })),
        /** Path of fleet.yaml inside the repository. */
        path: Type.Optional(Type.String({ minLength: 1 })),
        pollSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
      },
      { additionalProperties: false },
    ),
    nats: NatsConfigSchema,
    /** Copies of the fleet's buckets and event stream: 3 or 5 on a nats-server cluster (docs/scaling.md). */
    jetstream: Type.Optional(Type.Object({ replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })) }, { additionalProperties: false })),
    http: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(Type.String()),
          port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65_535 })),
          webhookSecretFile: Type.Optional(AbsolutePath),
          apiTokensFile: Type.Optional(AbsolutePath),
          /** Loopback callers may change state without a token (`koji-fleet up`); never in production. */
          allowUnauthenticatedLoopback: Type.Optional(Type.Boolean()),
          /** Names the API is reached by besides `host` (a writer's Host must be one of them). */
          publicNames: Type.Optional(Type.Array(HostName, { uniqueItems: true })),
          readAccess: Type.Optional(Type.Union(READ_ACCESS.map((a) => Type.Literal(a)))),
          adminCommonNames: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true })),
          tls: Type.Optional(
            Type.Object(
              { certFile: AbsolutePath, keyFile: AbsolutePath, clientCaFile: Type.Optional(AbsolutePath) },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    stateDir: Type.Optional(Type.String({ pattern: "^/" })),
    /** Keep nats-server's authorization (mTLS users, per-host permissions) in step with git. */
    natsServer: Type.Optional(
      Type.Object(
        {
          configFile: Type.String({ pattern: "^/" }),
          storeDir: Type.String({ pattern: "^/" }),
          tls: Type.Object({ certFile: Type.String({ pattern: "^/" }), keyFile: Type.String({ pattern: "^/" }), caFile: Type.String({ pattern: "^/" }) }, { additionalProperties: false }),
          controllerUser: Type.Optional(Type.String({ minLength: 3 })),
          enrollmentUser: Type.Optional(Type.String({ minLength: 3 })),
          listen: Type.Optional(Type.Object({ host: Type.String(), port: Type.Integer({ minimum: 1, maximum: 65_535 }) }, { additionalProperties: false })),
          /** argv run after the file changed, e.g. [/usr/bin/systemctl, reload, nats-server.service]. */
          reload: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** Converge Koji objects (kojira, builders) through the hub's API as the admin user. */
    koji: Type.Optional(
      Type.Object(
        {
          /** Default: https://<hub FQDN>/kojihub from fleet.yaml. */
          hubUrl: Type.Optional(Type.String({ pattern: "^https://" })),
          caFile: Type.String({ pattern: "^/" }),
          /** The admin's client certificate and key in one PEM (CN = koji.adminUser). */
          adminCertFile: Type.String({ pattern: "^/" }),
          intervalSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 86_400 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Several controllers, one leader: a lease in the kf-controller bucket (docs/scaling.md). */
    ha: Type.Optional(
      Type.Object(
        {
          /** This controller's name, unique among them; default the host name. */
          id: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9._-]{1,64}$" })),
          /** A standby takes over this long after the leader's last renewal. */
          leaseSeconds: Type.Optional(Type.Integer({ minimum: 3, maximum: 120 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** The fleet CA (koji-fleet ca init); without it certificate resources cannot be signed. */
    ca: Type.Optional(Type.Object({ dir: Type.String({ pattern: "^/" }) }, { additionalProperties: false })),
    logLevel: Type.Optional(Type.Union(["trace", "debug", "info", "warn", "error", "silent"].map((l) => Type.Literal(l)))),
  },
  { additionalProperties: false },
);
export type ControllerConfigFile = Static<typeof ControllerConfigSchema>;

export interface ControllerConfig {
  readonly git: { readonly url: string; readonly branch: string; readonly path: string; readonly pollSeconds: number };
  readonly nats: ControllerConfigFile["nats"];
  readonly jetstream: { readonly replicas: number };
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly webhookSecretFile?: string;
    readonly apiTokensFile?: string;
    readonly allowUnauthenticatedLoopback: boolean;
    readonly publicNames: readonly string[];
    readonly readAccess: ReadAccess;
    readonly adminCommonNames: readonly string[];
    readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly clientCaFile?: string };
  };
  readonly stateDir: string;
  readonly ha?: { readonly id: string; readonly leaseSeconds: number };
  readonly ca?: { readonly dir: string };
  readonly natsServer?: NatsServerSettings;
  readonly koji?: { readonly hubUrl?: string; readonly caFile: string; readonly adminCertFile: string; readonly intervalSeconds?: number };
  readonly logLevel: string;
}

export function withDefaults(c: ControllerConfigFile): ControllerConfig {
  return Object.freeze({
    git: { url: c.git.url, branch: c.git.branch ?? "main", path: c.git.path ?? "fleet.yaml", pollSeconds: c.git.pollSeconds ?? 30 },
    nats: c.nats,
    jetstream: { replicas: c.jetstream?.replicas ?? 1 },
    http: {
      ...c.http,
      host: c.http?.host ?? "127.0.0.1",
      port: c.http?.port ?? 8470,
      allowUnauthenticatedLoopback: c.http?.allowUnauthenticatedLoopback ?? false,
      publicNames: c.http?.publicNames ?? [],
      readAccess: c.http?.readAccess ?? "loopback",
      adminCommonNames: c.http?.adminCommonNames ?? [],
    },
    stateDir: c.stateDir ?? "/var/lib/koji-fleet-controller",
    ...(c.ha && { ha: { id: c.ha.id ?? hostname(), leaseSeconds: c.ha.leaseSeconds ?? 5 } }),
    ...(c.ca && { ca: c.ca }),
    ...(c.koji && { koji: c.koji }),
    ...(c.natsServer && {
      natsServer: {
        ...c.natsServer,
        controllerUser: c.natsServer.controllerUser ?? "CN=controller,OU=controller,O=koji-fleet",
        enrollmentUser: c.natsServer.enrollmentUser ?? "CN=enroll,OU=enrollment,O=koji-fleet",
      },
    }),
    logLevel: c.logLevel ?? "info",
  });
}

/** How to make a missing controller.yaml (the CLI's commands that read it add --config). */
export const CONTROLLER_CONFIG_HINT =
  "create it: the koji-fleet-controller package installs a commented one there (dnf reinstall koji-fleet-controller puts it back), or copy packaging/config/controller.yaml from the source; every key: docs/config.md";

export function readControllerConfig(file: string): ControllerConfig {
  const res = loadYaml(readConfigFile(file, CONTROLLER_CONFIG_HINT), file, ControllerConfigSchema);
  if (!res.ok) throw new FleetError("KF_ERR_CONFIG_INVALID", res.errors.map(formatConfigError).join("\n"));
  const http = res.value.http ?? {};
  // Combinations the schema cannot express, each of which would lock everyone out or do nothing.
  const errors: ConfigError[] = [];
  if (http.readAccess === "token" && !http.apiTokensFile && !http.adminCommonNames?.length) {
    errors.push(res.doc.error(["http", "readAccess"], "readAccess: token needs http.apiTokensFile or http.adminCommonNames"));
  }
  if (http.adminCommonNames?.length && !http.tls?.clientCaFile) {
    errors.push(res.doc.error(["http", "adminCommonNames"], "adminCommonNames needs http.tls.clientCaFile to verify client certificates"));
  }
  if (errors.length) throw new FleetError("KF_ERR_CONFIG_INVALID", errors.map(formatConfigError).join("\n"));
  return withDefaults(res.value);
}
