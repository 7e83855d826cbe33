// Loopback callers are trusted by default: the CLI and `koji-fleet up` run on the controller's
// own host. A loopback request that carries proxy headers came from somewhere else through a
// local reverse proxy, so it does not count as loopback.
import { isIP } from "node:net";
import type { FastifyRequest } from "fastify";

export function isLoopbackAddress(ip: string): boolean {
  if (ip === "::1") return true;
  const v4 = ip.startsWith("::ffff:") ? ip.slice("::ffff:".length) : ip;
  return isIP(v4) === 4 && v4.startsWith("127.");
}

const PROXY_HEADERS = ["forwarded", "x-forwarded-for", "x-real-ip"];

export function fromLoopback(req: Pick<FastifyRequest, "ip" | "headers">): boolean {
  return isLoopbackAddress(req.ip) && !PROXY_HEADERS.some((h) => req.headers[h] !== undefined);
}
