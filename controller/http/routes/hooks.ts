// Git webhooks only wake the poller: the payload is never trusted for content, the controller
// always fetches and reads the commit itself. Signature checks come with the trust work.
import type { FastifyPluginAsync } from "fastify";
import type { AppDeps } from "../app.js";

export const hookRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 1 << 20 }, (_req, body, done) => done(null, body));
  app.post("/git", async (_req, reply) => {
    deps.requestSync();
    return reply.code(202).send({ accepted: true });
  });
};
