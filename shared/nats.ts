// Connecting to NATS the same way everywhere: reconnect forever with jitter, notice a dead
// link within 15 s, and start even when the server is down.
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Type, type Static } from "@sinclair/typebox";

export const NatsConfigSchema = Type.Object(
  {
    servers: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    user: Type.Optional(Type.String()),
    pass: Type.Optional(Type.String()),
    tls: Type.Optional(
      Type.Object(
        { caFile: Type.String(), certFile: Type.Optional(Type.String()), keyFile: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    ),
    /** Milliseconds between reconnect attempts (jitter is added). */
    reconnectWaitMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 60_000 })),
  },
  { additionalProperties: false },
);
export type NatsConfig = Static<typeof NatsConfigSchema>;

/** A KV create/update refused because the key's revision moved on (compare-and-set lost). */
export const isRevisionConflict = (err: unknown): boolean => /wrong last sequence|key exists/i.test(String((err as Error | undefined)?.message));

export async function connectNats(cfg: NatsConfig, name: string, inboxPrefix?: string): Promise<NatsConnection> {
  return connect({
    servers: cfg.servers,
    name,
    ...(inboxPrefix ? { inboxPrefix } : {}),
    ...(cfg.user ? { user: cfg.user, pass: cfg.pass } : {}),
    ...(cfg.tls ? { tls: cfg.tls } : {}),
    maxReconnectAttempts: -1,
    waitOnFirstConnect: true,
    reconnectTimeWait: cfg.reconnectWaitMs ?? 2_000,
    reconnectJitter: 500,
    reconnectJitterTLS: 1_000,
    // A link cut for more than ~10 s is often dropped by the server (write deadline) while the
    // client's TCP waits out its retransmission back-off, which reached 5 s and more after a
    // 13 s partition (test/scenarios/partition.test.ts). Pings every 5 s, stale after 2 unanswered:
    // the client reconnects by itself.
    pingInterval: 3_000,
    maxPingOut: 2,
    // A reconnect attempt made while the link is down waits on SYN retransmissions (1, 3, 7, 15 s
    // after it started): with nats.js's 20 s handshake timeout, the link back 25 s into a cut was
    // used 4.7 s later, at the attempt's next SYN. Abandoned after 5 s, an attempt is replaced by a
    // fresh one, and the link is used within ~2 s of its return.
    timeout: 5_000,
    // Otherwise every request and JetStream publish builds two Errors up front, to give a later
    // timeout the caller's stack: 3.4 % of the agents' CPU in controller-1000 (bench/README.md;
    // 1.6 % remain: nats.js also builds one when it cancels a request that was answered).
    // A timeout is reported where it was awaited (a resource's result, a log line's context).
    noAsyncTraces: true,
  });
}
