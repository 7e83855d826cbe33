export { loadFleet, type LoadFleetResult } from "./load-fleet.js";
export { defaultsApplied, hostsWith, type ResolvedFleet, type ResolvedHost, type BuilderSettings } from "./defaults.js";
export { FleetSchema, ROLES, API_VERSION, KOJI_DEFAULTS, type FleetConfig, type HostConfig, type Role } from "./fleet-schema.js";
export { fleetJsonSchemaText } from "./write-schema.js";
