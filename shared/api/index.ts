// The controller's HTTP API as code (docs/api.md): every route's schemas and the types derived
// from them, for the controller, the CLI and the dashboard.
export * from "./errors.js";
export * from "./fleet.js";
export * from "./hosts.js";
export * from "./phases.js";
export * from "./rollouts.js";
export * from "./routes.js";
export * from "./service.js";
