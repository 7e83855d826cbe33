// Schema validation of every message received over NATS. A message that does not parse or
// does not match its schema becomes a ProtocolError: the receiver logs and drops it, never crashes.
import type { TSchema, Static } from "@sinclair/typebox";
import { CatalogSchema, FleetEventSchema, HostStatusSchema } from "./protocol.js";
import { schemaErrors } from "./schema-check.js";

/** Larger messages are refused before parsing. Catalogs of big hosts stay far below this. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/**
 * A decoder of `schema`'s messages. `matches` may be a faster check of the same schema (the
 * controller compiles the status schema); what is wrong is worded by the interpreter either way.
 */
export function decoder<S extends TSchema>(schema: S, what: string, matches?: (value: unknown) => boolean) {
  return (data: Uint8Array | string): Static<S> => {
    const size = typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
    if (size > MAX_MESSAGE_BYTES) throw new ProtocolError(`${what}: ${size} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit`);
    let value: unknown;
    try {
      value = JSON.parse(typeof data === "string" ? data : Buffer.from(data).toString("utf8"));
    } catch (err) {
      throw new ProtocolError(`${what}: not JSON (${(err as Error).message})`);
    }
    if (matches?.(value)) return value as Static<S>;
    const [problem] = schemaErrors(schema, value, 1);
    if (problem) throw new ProtocolError(`${what}: ${problem}`);
    return value as Static<S>;
  };
}

export const decodeCatalog = decoder(CatalogSchema, "catalog");
export const decodeHostStatus = decoder(HostStatusSchema, "host status");
export const decodeFleetEvent = decoder(FleetEventSchema, "fleet event");
