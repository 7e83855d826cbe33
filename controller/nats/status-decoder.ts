// Statuses arrive from every host at every heartbeat (10,000 hosts at the default 15 s: ~670 a
// second) and after every change. TypeBox's compiled check of a status takes ~3 µs against ~27
// µs interpreted (after a ~12 µs JSON.parse). The agent keeps the interpreter (compiled code
// costs it resident memory, and it never decodes a status); the controller compiles once.
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { HostStatusSchema } from "../../shared/protocol.js";
import { decoder } from "../../shared/validate.js";

const compiled = TypeCompiler.Compile(HostStatusSchema);

/** decodeHostStatus (shared/validate.ts) with the compiled check: the same values accepted, the same errors. */
export const decodeHostStatusCompiled = decoder(HostStatusSchema, "host status", (v) => compiled.Check(v));
