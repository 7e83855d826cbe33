// Moved to shared/certificate-props.ts (protocol). Kept only until the role compiler work lands.
export * from "../../shared/certificate-props.js";
