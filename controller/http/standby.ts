// What a standby controller serves on the API's address until it is elected: liveness, a
// readiness that says who leads (so a load balancer sends traffic to the leader only), and a
// 503 naming the leader for everything else.
import Fastify, { type FastifyInstance } from "fastify";
import { STANDBY_API } from "../../shared/api/routes.js";
import type { Logger } from "../../shared/log.js";
import type { LeaseRecord } from "../nats/leader-lease.js";
import type { HttpsMaterial } from "./app.js";
import { sendError } from "./errors.js";
import { listen } from "./starting.js";

export class StandbyServer {
  private app: FastifyInstance | null = null;

  constructor(
    private readonly leader: () => LeaseRecord | null,
    private readonly id: string,
    private readonly log: Logger,
  ) {}

  leaderText(): string {
    const l = this.leader();
    return l ? `the leader is ${l.holder} (term ${l.term}, since ${l.acquiredAt})` : "no leader yet";
  }

  /** The app, without listening (tests inject). */
  build(https?: HttpsMaterial): FastifyInstance {
    const app = Fastify({ logger: false, ...(https && { https }) });
    app.route({ ...STANDBY_API.getStandbyHealth, handler: async () => ({ status: "ok", role: "standby", id: this.id }) });
    app.route({ ...STANDBY_API.getStandbyReady, handler: async (_req, reply) => sendError(reply, "KF_ERR_NOT_READY", `standby: ${this.leaderText()}`) });
    app.route({ ...STANDBY_API.getStandbyLeader, handler: async () => ({ id: this.id, role: "standby", leader: this.leader() }) });
    app.setNotFoundHandler(async (_req, reply) => sendError(reply, "KF_ERR_NOT_READY", `this controller (${this.id}) is a standby: ${this.leaderText()}`));
    return app;
  }

  async serve(http: { host: string; port: number }, https?: HttpsMaterial): Promise<string> {
    this.app = this.build(https);
    const url = await listen(this.app, http);
    this.log.info({ url, leader: this.leader()?.holder }, "standby: serving health only until elected");
    return url;
  }

  async close(): Promise<void> {
    const app = this.app;
    this.app = null;
    await app?.close();
  }
}
