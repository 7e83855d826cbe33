// The one place defaults are applied: fleet.yaml as written → a fully defaulted, frozen object.
// Everything downstream (cross-checks, the compiler) reads only this, so no reader invents a default.
import type { Static } from "@sinclair/typebox";
import {
  FLEET_DEFAULTS,
  KOJI_DEFAULTS,
  ROLES,
  type BuilderSettingsSchema,
  type FleetConfig,
  type KojiSchema,
  type NameResolution,
  type Role,
} from "./fleet-schema.js";

export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

type KojiInput = Static<typeof KojiSchema>;
type Filled<T> = Required<NonNullable<T>>;
export type BuilderSettings = DeepReadonly<Filled<Static<typeof BuilderSettingsSchema>>>;

export type ResolvedKoji = DeepReadonly<{
  version: string;
  topdir: string;
  adminUser: string;
  kojiraUser: string;
  certificateDays: number;
  hub: Filled<KojiInput["hub"]>;
  web: Filled<KojiInput["web"]>;
  kojira: Filled<KojiInput["kojira"]>;
  builders: Filled<KojiInput["builders"]>;
  database: Filled<KojiInput["database"]>;
  nfs: Filled<KojiInput["nfs"]>;
  lookaside: Filled<KojiInput["lookaside"]>;
}>;

export interface ResolvedHost {
  readonly name: string;
  readonly fqdn: string;
  readonly address: string;
  /** In ROLES order, whatever order fleet.yaml lists them in. */
  readonly roles: readonly Role[];
  /** koji.builders merged with the host's settings; only for builders. */
  readonly builder: BuilderSettings | undefined;
}

export interface ResolvedFleet {
  readonly name: string;
  readonly domain: string;
  readonly nameResolution: NameResolution;
  readonly koji: ResolvedKoji;
  /** Sorted by name. */
  readonly hosts: readonly ResolvedHost[];
}

export function defaultsApplied(fleet: FleetConfig): ResolvedFleet {
  const k = structuredClone(fleet.koji ?? {});
  const d = structuredClone(KOJI_DEFAULTS) as unknown as Filled<KojiInput>;
  const builders = { ...d.builders, ...k.builders } as Filled<KojiInput["builders"]>;
  const koji = {
    version: k.version ?? d.version,
    topdir: k.topdir ?? d.topdir,
    adminUser: k.adminUser ?? d.adminUser,
    kojiraUser: k.kojiraUser ?? d.kojiraUser,
    certificateDays: k.certificateDays ?? d.certificateDays,
    hub: { ...d.hub, emailDomain: fleet.fleet.domain, ...k.hub } as Filled<KojiInput["hub"]>,
    web: { ...d.web, siteName: fleet.fleet.name, ...k.web } as Filled<KojiInput["web"]>,
    kojira: { ...d.kojira, ...k.kojira } as Filled<KojiInput["kojira"]>,
    builders,
    database: { ...d.database, ...k.database } as Filled<KojiInput["database"]>,
    nfs: { ...d.nfs, ...k.nfs } as Filled<KojiInput["nfs"]>,
    lookaside: { ...d.lookaside, ...k.lookaside } as Filled<KojiInput["lookaside"]>,
  };
  const hosts = fleet.hosts
    .map((h): ResolvedHost => {
      const roles = ROLES.filter((r) => h.roles.includes(r));
      return {
        name: h.name,
        fqdn: `${h.name}.${fleet.fleet.domain}`,
        address: h.address,
        roles,
        builder: roles.includes("builder") ? { ...structuredClone(builders), ...structuredClone(h.settings ?? {}) } : undefined,
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const nameResolution = fleet.fleet.nameResolution ?? FLEET_DEFAULTS.nameResolution;
  return deepFreeze({ name: fleet.fleet.name, domain: fleet.fleet.domain, nameResolution, koji, hosts });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Hosts having `role`, sorted by name. */
export const hostsWith = (fleet: ResolvedFleet, role: Role): readonly ResolvedHost[] => fleet.hosts.filter((h) => h.roles.includes(role));
