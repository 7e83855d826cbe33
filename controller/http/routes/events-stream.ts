// GET /api/v1/events/stream: server-sent events for the dashboard. Written by hand on the raw
// response (no dependency): every new FleetEvent as `event: fleet-event`, and a `hosts` snapshot
// (host views plus the role-dependency edges between hosts) when the views change, polled every
// second and sent only when its JSON differs. The first `hosts` snapshot goes out at once.
// A comment line every 15 s keeps proxies from timing the stream out; app.close() ends them all.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { GraphEdge, HostsSnapshot } from "../../../shared/api/hosts.js";
import { API } from "../../../shared/api/routes.js";
import type { AppDeps } from "../app.js";
import { hostDependencies } from "../../rollout/graph.js";

export function hostsSnapshot(deps: AppDeps): HostsSnapshot {
  const hosts = deps.state.hosts(deps.clock());
  const edges: GraphEdge[] = [];
  for (const [from, waits] of hostDependencies(hosts)) for (const w of waits) edges.push({ from, to: w.host, role: w.role });
  return { hosts, edges };
}

export interface EventStreamOptions {
  deps: AppDeps;
  /** How often host views are compared; default 1000 ms. */
  pollMs?: number;
  /** How often a heartbeat comment is sent; default 15000 ms. */
  heartbeatMs?: number;
}

export const eventStreamRoutes: FastifyPluginAsyncTypebox<EventStreamOptions> = async (app, { deps, pollMs = 1000, heartbeatMs = 15_000 }) => {
  const open = new Set<() => void>();
  // Streams never end by themselves: end them before the server waits for its connections.
  app.addHook("preClose", async () => {
    for (const end of [...open]) end();
  });

  app.route({
    ...API.getEventsStream,
    handler: (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      const send = (event: string, data: unknown, id?: string): void => {
        if (res.writableEnded || res.destroyed) return;
        res.write(`${id ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      // Tell EventSource to come back after 2 s when the connection drops.
      res.write("retry: 2000\n\n");

      let last = "";
      const poll = (): void => {
        let json: string;
        try {
          json = JSON.stringify(hostsSnapshot(deps));
        } catch (err) {
          req.log.error({ err }, "event stream: host snapshot failed");
          return;
        }
        if (json === last) return;
        last = json;
        if (!res.writableEnded && !res.destroyed) res.write(`event: hosts\ndata: ${json}\n\n`);
      };
      poll();
      const unsubscribe = deps.state.onEvent((e) => send("fleet-event", e, e.id));
      const pollTimer = setInterval(poll, pollMs);
      const beatTimer = setInterval(() => {
        if (!res.writableEnded && !res.destroyed) res.write(": heartbeat\n\n");
      }, heartbeatMs);
      pollTimer.unref();
      beatTimer.unref();

      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        open.delete(end);
        clearInterval(pollTimer);
        clearInterval(beatTimer);
        unsubscribe();
        if (!res.writableEnded) res.end();
      };
      open.add(end);
      req.raw.on("close", end);
      res.on("close", end);
      res.on("error", end);
    },
  });
};
