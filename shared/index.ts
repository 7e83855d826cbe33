export * from "./names.js";
export * from "./canonical.js";
export * from "./protocol.js";
export * from "./validate.js";
export * from "./errors.js";
export * from "./time.js";
export * from "./yaml-config.js";
export * from "./log.js";
