// The largest message each bucket and the event stream accepts. nats-server enforces them
// (controller/nats/stream-limits.ts); writers check first, so that an oversized write is a clear
// error, not a refusal retried forever. Sizing: docs/scaling.md#jetstream-limits.
import type { FleetEvent } from "./protocol.js";

const KIB = 1024;

/**
 * kf-desired: nats-server's default max_payload, the most one put can carry anyway. The reference
 * farm's largest signed catalog is ~20 KB (all roles on one host ~32 KB); a catalog of many
 * files (test/scenarios/agent-kill.test.ts: 240 × 2.5 KiB) still fits.
 */
export const CATALOG_MAX_BYTES = 1024 * KIB;
/** kf-status: up to ~100 resources with errors and ~25 probes with 4 KiB of output each fit. */
export const STATUS_MAX_BYTES = 256 * KIB;
/** KF_EVENTS: a message is at most 8 KiB (schema); `data` lists resources. */
export const EVENT_MAX_BYTES = 64 * KIB;
/** kf-controller: pins name every pinned host (~90 bytes each). */
export const CONTROLLER_RECORD_MAX_BYTES = 512 * KIB;

/** Bytes of a message body as sent: what nats-server compares with max_msg_size. */
export const byteLength = (text: string): number => Buffer.byteLength(text, "utf8");

/**
 * An event's body within EVENT_MAX_BYTES: too big, it loses its data, then all but the start of
 * its message (4,096 characters are at most 24 KiB even when every one is JSON-escaped).
 */
export function fitEvent(e: FleetEvent): string {
  const whole = JSON.stringify(e);
  if (byteLength(whole) <= EVENT_MAX_BYTES) return whole;
  const { data: _dropped, ...rest } = e;
  return JSON.stringify({ ...rest, message: e.message.slice(0, 4_096), data: { truncated: true, bytes: byteLength(whole) } });
}
