// What the controller serves on the API's address from its first moment until the leader (or
// a standby) takes the address over: liveness, and a readiness that says why it is not ready
// yet, e.g. which NATS address it cannot reach and why. Binding first also makes a busy port
// fail the start at once, before anything connects or reconciles.
import Fastify, { type FastifyInstance } from "fastify";
import { API } from "../../shared/api/routes.js";
import { FleetError } from "../../shared/errors.js";
import type { HttpsMaterial } from "./app.js";
import { sendError } from "./errors.js";

export class StartingServer {
  private app: FastifyInstance | null = null;

  /** `reason`: why the controller is not ready, read at each request. */
  constructor(private readonly reason: () => string) {}

  /** The app, without listening (tests inject). */
  build(https?: HttpsMaterial): FastifyInstance {
    const app = Fastify({ logger: false, ...(https && { https }) });
    app.route({ ...API.getHealth, handler: async () => ({ status: "ok" as const }) });
    app.route({ ...API.getReady, handler: async (_req, reply) => sendError(reply, "KF_ERR_NOT_READY", this.reason()) });
    app.setNotFoundHandler(async (_req, reply) => sendError(reply, "KF_ERR_NOT_READY", `the controller is starting: ${this.reason()}`));
    return app;
  }

  /** Listens; returns the URL. The port it got is the one to hand over (port 0 asks for any). */
  async serve(http: { host: string; port: number }, https?: HttpsMaterial): Promise<{ url: string; port: number }> {
    const app = this.build(https);
    const url = await listen(app, http);
    this.app = app;
    return { url, port: Number(new URL(url).port) };
  }

  async close(): Promise<void> {
    const app = this.app;
    this.app = null;
    await app?.close();
  }
}

/** app.listen, with a busy address told as the catalogue's conflict (exit 12) naming it. */
export async function listen(app: FastifyInstance, http: { host: string; port: number }): Promise<string> {
  try {
    return await app.listen({ host: http.host, port: http.port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new FleetError("KF_ERR_CONFLICT", `cannot serve the API on ${http.host}:${http.port}: the address is already in use (another controller or koji-fleet up?)`, { cause: err });
    if (code === "EACCES") throw new FleetError("KF_ERR_CONFLICT", `cannot serve the API on ${http.host}:${http.port}: permission denied (a port below 1024 needs privileges)`, { cause: err });
    throw err;
  }
}
