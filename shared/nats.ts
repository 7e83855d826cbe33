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

/** One failed attempt to connect, for a warning and for readiness (`/readyz`). */
export interface ConnectFailure {
  /** Every address tried, as configured. */
  servers: readonly string[];
  reason: string;
  /** 1, 2, … since the connect began (first connect) or since the link was lost (reconnect). */
  attempt: number;
}

export interface ConnectWatch {
  /** Each failed attempt, first connect and reconnects alike. */
  failed?(f: ConnectFailure): void;
  /** Once it is connected again after a loss. */
  reconnected?(server: string): void;
  /** Ends the first connect's retries (the daemon stops before NATS ever answered). */
  signal?: AbortSignal;
}

/** The warning each failed attempt logs, and what `/readyz` says: the addresses and why. */
export const connectFailureText = (f: ConnectFailure): string =>
  `cannot connect to NATS at ${f.servers.join(", ")}: ${f.reason} (attempt ${f.attempt}; retrying)`;

/** Why a connect failed, in a few words, with the system's own error when there is one. */
export function connectFailureReason(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string } } | undefined;
  const message = e?.message ?? String(err);
  const cause = e?.cause?.message;
  return cause && !message.includes(cause) ? `${message} (${cause})` : message;
}

/**
 * Connects, retrying until the server answers: unlike nats.js's own waitOnFirstConnect, each
 * failed attempt is reported (`watch.failed`: the addresses and why), so a daemon pointed at
 * the wrong address or refused by the server says so at once instead of waiting in silence.
 * Once connected, nats.js reconnects by itself; the watch hears of each failed reconnect.
 */
export async function connectNats(cfg: NatsConfig, name: string, inboxPrefix?: string, watch: ConnectWatch = {}): Promise<NatsConnection> {
  const waitMs = cfg.reconnectWaitMs ?? 2_000;
  for (let attempt = 1; ; attempt++) {
    watch.signal?.throwIfAborted();
    try {
      const nc = await connectOnce(cfg, name, inboxPrefix);
      void followReconnects(nc, cfg.servers, watch);
      return nc;
    } catch (err) {
      // A bad option (a TLS file that is not there) will not get better by waiting.
      if ((err as Error).name === "InvalidArgumentError") throw err;
      watch.failed?.({ servers: cfg.servers, reason: connectFailureReason(err), attempt });
      await sleep(waitMs + Math.random() * 500, watch.signal);
    }
  }
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener("abort", done);
      clearTimeout(timer);
      if (signal?.aborted) reject(signal.reason);
      else resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/**
 * nats.js reconnects on its own and tells only that it tries again ("reconnecting" before each
 * dial), not why the last dial failed: a second "reconnecting" without a "reconnect" between
 * is a failed attempt, and its reason is the server's last error (authorization, …) if it
 * sent one, else that the server did not let a connection through.
 */
async function followReconnects(nc: NatsConnection, servers: readonly string[], watch: ConnectWatch): Promise<void> {
  let attempts = 0;
  let lastError = "";
  let lost = "";
  for await (const s of nc.status()) {
    if (s.type === "disconnect") [attempts, lastError, lost] = [0, "", s.server];
    else if (s.type === "error") lastError = s.error.message;
    else if (s.type === "reconnect") [attempts, lastError] = [0, ""];
    if (s.type === "reconnect") watch.reconnected?.(s.server);
    if (s.type !== "reconnecting") continue;
    if (attempts > 0) watch.failed?.({ servers: lost ? [lost] : servers, reason: lastError || "no connection (refused, unreachable or timed out)", attempt: attempts });
    attempts++;
  }
}

function connectOnce(cfg: NatsConfig, name: string, inboxPrefix?: string): Promise<NatsConnection> {
  return connect({
    servers: cfg.servers,
    name,
    ...(inboxPrefix ? { inboxPrefix } : {}),
    ...(cfg.user ? { user: cfg.user, pass: cfg.pass } : {}),
    ...(cfg.tls ? { tls: cfg.tls } : {}),
    maxReconnectAttempts: -1,
    // connectNats retries a first connect itself, to report each attempt. (A server that failed
    // this first attempt while another answered leaves the connection's pool; a cluster's
    // servers advertise the members, which puts it back.)
    waitOnFirstConnect: false,
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
