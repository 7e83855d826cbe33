// Koji objects converged through the hub's XML-RPC API (docs/koji-objects.md).
export * from "./xmlrpc.js";
export * from "./session.js";
export * from "./objects.js";
export * from "./converge.js";
