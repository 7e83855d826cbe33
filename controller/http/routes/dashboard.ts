// The dashboard (docs/dashboard.md): one page at `/`, its script and stylesheet under
// /dashboard/. The page and stylesheet are TS string modules (controller/http/dashboard/*.ts);
// the script is the esbuild bundle of controller/http/dashboard/app/, imported as a module
// made at build time (app.bundle.d.ts, packaging/dashboard.mjs). So the tsc output and the CLI
// bundle both carry all three: nothing is read from disk at run time.
// The page holds no fleet data; it reads /api/v1 (with that prefix's access rules) from the browser.
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { API } from "../../../shared/api/routes.js";
import indexHtml from "../dashboard/index.html.js";
import appJs from "../dashboard/app.bundle.js";
import styleCss from "../dashboard/style.css.js";

// Same-origin only: nothing external can load, even if a later edit tries to.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const assets = [
  { route: API.getDashboard, type: "text/html; charset=utf-8", body: Buffer.from(indexHtml, "utf8") },
  { route: API.getDashboardScript, type: "text/javascript; charset=utf-8", body: Buffer.from(appJs, "utf8") },
  { route: API.getDashboardStyle, type: "text/css; charset=utf-8", body: Buffer.from(styleCss, "utf8") },
] as const;

function send(reply: FastifyReply, a: { type: string; body: Buffer }): FastifyReply {
  return reply
    .header("content-type", a.type)
    .header("cache-control", "no-cache")
    .header("content-security-policy", CSP)
    .header("x-content-type-options", "nosniff")
    .send(a.body);
}

export const dashboardRoutes: FastifyPluginAsync = async (app) => {
  for (const asset of assets) app.get(asset.route.url, { schema: asset.route.schema }, async (_req, reply) => send(reply, asset));
};
