import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { Ajv } from "ajv";
import { buildApp } from "./app.js";
import { FleetState } from "../fleet/state.js";
import { ERROR_CODES } from "../../shared/errors.js";
import { ROUTES } from "./openapi.js";

const NOW = new Date("2026-11-26T12:00:00.000Z");

/** Every METHOD /api/v1/... fastify registered, read from printRoutes (HEAD is fastify's own). */
function registeredApiRoutes(app: FastifyInstance): string[] {
  const out: string[] = [];
  const stack: { depth: number; path: string }[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    const m = /^([\s│]*)(?:[└├]── )(\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length;
    while (stack.length > 0 && stack[stack.length - 1]!.depth >= depth) stack.pop();
    const path = (stack[stack.length - 1]?.path ?? "") + m[2]!;
    stack.push({ depth, path });
    for (const method of (m[3] ?? "").split(",").map((s) => s.trim()).filter((s) => s && s !== "HEAD")) {
      if (path.startsWith("/api/v1/")) out.push(`${method} ${path}`);
    }
  }
  return out.sort();
}

describe("GET /api/v1/openapi.json", () => {
  let app: FastifyInstance;
  let doc: { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>; components: { schemas: Record<string, object> } };

  beforeAll(async () => {
    app = await buildApp({ state: new FleetState(NOW.toISOString()), clock: () => NOW, requestSync: () => undefined, readiness: () => ({ ready: true, reason: "ok" }) });
    const res = await app.inject("/api/v1/openapi.json");
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });
  afterAll(async () => app.close());

  it("is OpenAPI 3.0.3 and describes every route registered under /api/v1", () => {
    expect(doc.openapi).toBe("3.0.3");
    const registered = registeredApiRoutes(app);
    expect(registered).toContain("GET /api/v1/hosts/:host");
    expect(registered.length).toBeGreaterThanOrEqual(9);
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ":$1")}`));
    for (const r of registered) expect(documented, `${r} is not in openapi.ts ROUTES`).toContain(r);
    // Documented routes exist; the SSE stream is documented ahead of its route.
    for (const d of documented) if (d !== "GET /api/v1/events/stream") expect(registered, `${d} is documented but not registered`).toContain(d);
  });

  it("every schema compiles with ajv and every response refers to one", () => {
    const ajv = openApiAjv();
    for (const name of Object.keys(doc.components.schemas)) expect(ajv.getSchema(`openapi#/definitions/${name}`), name).toBeTypeOf("function");
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, r] of Object.entries(op.responses)) {
          for (const media of Object.values(r.content ?? {})) {
            const compiled = ajv.compile(resolveRefs(media.schema));
            expect(compiled, `${method} ${path} ${status}`).toBeTypeOf("function");
          }
        }
      }
    }
  });

  it("errors name catalogue codes with the catalogue's status", () => {
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        for (const [status, r] of Object.entries(op.responses)) {
          const codes = (r as { "x-error-codes"?: (keyof typeof ERROR_CODES)[] })["x-error-codes"];
          if (Number(status) < 400) continue;
          expect(codes?.length).toBeGreaterThan(0);
          for (const c of codes!) expect(ERROR_CODES[c].http).toBe(Number(status));
        }
      }
    }
    expect(ROUTES.find((r) => r.path === "/hosts/:host")!.errors).toContain("KF_ERR_NOT_FOUND");
  });

  it("validates real bodies: the fleet, an error", async () => {
    const ajv = openApiAjv();
    const fleet = ajv.getSchema("openapi#/definitions/Fleet")!;
    expect(fleet((await app.inject("/api/v1/fleet")).json()), JSON.stringify(fleet.errors)).toBe(true);
    const error = ajv.getSchema("openapi#/definitions/Error")!;
    const nf = await app.inject("/api/v1/hosts/cs10-koji-99");
    expect(nf.statusCode).toBe(404);
    expect(error(nf.json())).toBe(true);
    const list = ajv.getSchema("openapi#/definitions/HostList")!;
    expect(list((await app.inject("/api/v1/hosts")).json())).toBe(true);
  });

  // Component schemas go in as `definitions` of one schema (ajv knows no `components`), and
  // references into them are rewritten to match.
  function resolveRefs(schema: object): object {
    return JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\//g, '"openapi#/definitions/'));
  }
  function openApiAjv(): Ajv {
    const ajv = new Ajv({ strict: true, allErrors: true });
    ajv.addSchema({ $id: "openapi", definitions: resolveRefs(doc.components.schemas) });
    return ajv;
  }
});
