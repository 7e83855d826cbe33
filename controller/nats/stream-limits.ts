// What each JetStream stream of the fleet may hold, so that no host can fill the NATS disk or
// wipe other hosts' keys. Pure: the bus applies the changes this computes, at every start, to
// streams made by an older controller too. Sizing for 1,000 hosts: docs/scaling.md#jetstream-limits.
import type { StreamConfig } from "@nats-io/jetstream";
import { BUCKET_CONTROLLER, BUCKET_DESIRED, BUCKET_STATUS, STREAM_EVENTS, kvStream } from "../../shared/names.js";
import { CATALOG_MAX_BYTES, CONTROLLER_RECORD_MAX_BYTES, EVENT_MAX_BYTES, STATUS_MAX_BYTES } from "../../shared/bus-limits.js";

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const DAY_NS = 24 * 3600 * 1e9;

export interface StreamLimits {
  max_msg_size: number;
  /** The whole stream; nats-server reserves it on the store when the stream is made. */
  max_bytes: number;
  /** KV history, or events kept per host. */
  max_msgs_per_subject: number;
  /**
   * Nats-Rollup headers: with them, one put of a host's own status key could purge every
   * other key of kf-status. Only the controller writes the buckets that keep them.
   */
  allow_rollup_hdrs: boolean;
}

export const STREAM_LIMITS: Readonly<Record<string, StreamLimits>> = {
  [kvStream(BUCKET_DESIRED)]: { max_msg_size: CATALOG_MAX_BYTES, max_bytes: 1 * GIB, max_msgs_per_subject: 5, allow_rollup_hdrs: true },
  [kvStream(BUCKET_STATUS)]: { max_msg_size: STATUS_MAX_BYTES, max_bytes: 512 * MIB, max_msgs_per_subject: 1, allow_rollup_hdrs: false },
  [kvStream(BUCKET_CONTROLLER)]: { max_msg_size: CONTROLLER_RECORD_MAX_BYTES, max_bytes: 64 * MIB, max_msgs_per_subject: 5, allow_rollup_hdrs: true },
  [STREAM_EVENTS]: { max_msg_size: EVENT_MAX_BYTES, max_bytes: 1 * GIB, max_msgs_per_subject: 1_000, allow_rollup_hdrs: false },
};

/** The KV buckets as Kvm.create makes them (history = messages kept per key). */
export const bucketOptions = (bucket: string, replicas: number) => {
  const l = STREAM_LIMITS[kvStream(bucket)]!;
  return { history: l.max_msgs_per_subject, replicas, max_bytes: l.max_bytes, maxValueSize: l.max_msg_size };
};

/** KF_EVENTS as made on a new server; an existing one is brought to it by configChanges. */
export const eventStreamConfig = (subjects: string[], replicas: number): Partial<StreamConfig> & { name: string } => ({
  name: STREAM_EVENTS,
  subjects,
  max_age: 7 * DAY_NS,
  num_replicas: replicas,
  ...STREAM_LIMITS[STREAM_EVENTS]!,
});

/** The fields of `config` that differ from the limits and replica count wanted; null: none. */
export function configChanges(config: Pick<StreamConfig, "name"> & Partial<StreamConfig>, replicas: number): Partial<StreamConfig> | null {
  const want: Partial<StreamConfig> = { ...STREAM_LIMITS[config.name], num_replicas: replicas };
  const have = config as Record<string, unknown>;
  // nats-server leaves false booleans out of a stream's config
  const changes = Object.fromEntries(Object.entries(want).filter(([k, v]) => (have[k] ?? (typeof v === "boolean" ? false : undefined)) !== v));
  return Object.keys(changes).length > 0 ? changes : null;
}
