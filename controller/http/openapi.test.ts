// The contract (shared/api/routes.ts) holds: every route the controller registers declares the
// schemas of what it takes and of every answer, the generated OpenAPI document is well formed and
// describes every route, and every answer the routes really give is documented.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Fastify, { type FastifyInstance, type RouteOptions } from "fastify";
import { Ajv } from "ajv";
import { registerRoutes } from "./app.js";
import { ERROR_CODES, type ErrorCode } from "../../shared/errors.js";
import { API } from "../../shared/api/routes.js";
import { READ_ERRORS, WRITE_ERRORS } from "../../shared/api/errors.js";
import { fixture, PROBES } from "./testdata/api-fixture.js";

type Json = Record<string, unknown>;
interface Operation { operationId: string; parameters?: { name: string; in: string; required?: boolean; schema: Json }[]; requestBody?: Json; responses: Record<string, Json & { description: string; content?: Record<string, { schema: Json }> }> }
interface Doc { openapi: string; info: Json; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Json> } }

const statusesOf = (codes: readonly ErrorCode[]): number[] => [...new Set(codes.map((c) => ERROR_CODES[c].http))];
const toOpenApiPath = (url: string): string => url.replace(/:(\w+)/g, "{$1}");

describe("the API contract", () => {
  const f = fixture();
  const routes: RouteOptions[] = [];
  let app: FastifyInstance;
  let doc: Doc;

  beforeAll(async () => {
    app = Fastify({ logger: false });
    // Watches every route as the controller adds it, with the options it gives fastify.
    app.addHook("onRoute", (r) => void routes.push(r));
    await registerRoutes(app, f.deps);
    const res = await app.inject("/api/v1/openapi.json");
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });
  afterAll(async () => app.close());

  const registered = (): RouteOptions[] => routes.filter((r) => r.method !== "HEAD");

  it("every registered route declares its request and response schemas", () => {
    expect(registered().length).toBe(Object.keys(API).length);
    for (const r of registered()) {
      const where = `${String(r.method)} ${r.url}`;
      const schema = r.schema as { params?: { properties: Json; required?: string[] }; response?: Record<string, unknown>; body?: unknown } | undefined;
      expect(schema?.response, `${where} has no response schemas`).toBeTypeOf("object");
      const statuses = Object.keys(schema!.response!).map(Number);
      expect(statuses.some((s) => s >= 200 && s < 300), `${where} declares no success`).toBe(true);
      // Path parameters: exactly the URL's, each required.
      const names = [...r.url.matchAll(/:(\w+)/g)].map((m) => m[1]!).sort();
      if (names.length === 0) expect(schema!.params, `${where} has params but none in its URL`).toBeUndefined();
      else {
        expect(Object.keys(schema!.params?.properties ?? {}).sort(), `${where} params schema`).toEqual(names);
        expect([...(schema!.params!.required ?? [])].sort()).toEqual(names);
      }
      // The errors a route answers by what it is: any route a bug; /api/v1 access control; writes the browser checks and the body's.
      const expected = r.url.startsWith("/api/v1/") ? statusesOf(r.method === "GET" ? READ_ERRORS : WRITE_ERRORS) : [500];
      if (schema!.params || (schema as Json).querystring || schema!.body) expected.push(400);
      for (const s of expected) expect(statuses, `${where} does not declare its ${s}`).toContain(s);
      // Each route is the contract's entry, not a copy of it.
      const entry = Object.values(API).find((e) => e.method === r.method && e.url === r.url);
      expect(entry, `${where} is not in shared/api/routes.ts`).toBeDefined();
      expect(r.schema).toBe(entry!.schema);
    }
  });

  it("the document is OpenAPI 3.0.3 and describes every registered route", () => {
    expect(doc.openapi).toBe("3.0.3");
    expect(doc.info.title).toBeTypeOf("string");
    expect(doc.info.version).toBeTypeOf("string");
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    expect(documented).toEqual(registered().map((r) => `${String(r.method)} ${toOpenApiPath(r.url)}`).sort());
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      expect(path.startsWith("/"), path).toBe(true);
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        expect(["get", "post", "delete"]).toContain(method);
        expect(ids.has(op.operationId), `${where}: operationId ${op.operationId} twice`).toBe(false);
        ids.add(op.operationId);
        // Path templates and path parameters match; every parameter has a place and a schema.
        const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect((op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name).sort(), where).toEqual(templated);
        for (const p of op.parameters ?? []) {
          expect(["path", "query", "header", "cookie"]).toContain(p.in);
          expect(p.schema, `${where} ${p.name}`).toBeTypeOf("object");
          if (p.in === "path") expect(p.required).toBe(true);
        }
        if (op.requestBody) expect(Object.keys(op.requestBody.content as Json)).toEqual(["application/json"]);
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        for (const [status, r] of Object.entries(op.responses)) {
          expect(status, where).toMatch(/^[1-5]\d\d$/);
          expect(r.description, `${where} ${status}`).toBeTypeOf("string");
          expect(Object.keys(r.content ?? {}).length, `${where} ${status} has no content`).toBeGreaterThan(0);
          for (const m of Object.values(r.content ?? {})) expect(m.schema, `${where} ${status}`).toBeTypeOf("object");
        }
      }
    }
    // Every reference points at a component; no schema keyword OpenAPI 3.0 lacks.
    const text = JSON.stringify(doc);
    for (const [, name] of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) expect(doc.components.schemas, name).toHaveProperty(name!);
    expect(text).not.toMatch(/"\$ref":"(?!#\/components\/schemas\/)/);
    expect(text).not.toMatch(/"(const|\$id|patternProperties)":/);
    expect(text).not.toMatch(/"type":("null"|\[)/);
    for (const name of ["Fleet", "HostView", "HostList", "HostDetail", "Event", "EventList", "Rollout", "Pins", "Plan", "Error"]) expect(doc.components.schemas).toHaveProperty(name);
  });

  it("every schema compiles with ajv and every response refers to one", () => {
    const ajv = openApiAjv();
    for (const name of Object.keys(doc.components.schemas)) expect(ajv.getSchema(`openapi#/definitions/${name}`), name).toBeTypeOf("function");
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, r] of Object.entries(op.responses)) {
          for (const media of Object.values(r.content ?? {})) expect(ajv.compile(resolveRefs(media.schema)), `${method} ${path} ${status}`).toBeTypeOf("function");
        }
      }
    }
  });

  it("errors name catalogue codes with the catalogue's status", () => {
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        for (const [status, r] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          const codes = r["x-error-codes"] as ErrorCode[] | undefined;
          expect(codes?.length).toBeGreaterThan(0);
          for (const c of codes!) expect(ERROR_CODES[c].http).toBe(Number(status));
        }
      }
    }
    expect(doc.paths["/api/v1/hosts/{host}"]!.get!.responses["404"]!["x-error-codes"]).toContain("KF_ERR_NOT_FOUND");
  });

  it("every answer the routes give is documented for that route, and fits its schema", async () => {
    const ajv = openApiAjv();
    const seen = new Set<string>();
    for (const p of PROBES) {
      const undo = p.setup?.(f);
      const res = await app.inject({ method: p.method, url: p.url, headers: p.headers, ...(p.body !== undefined && { payload: p.body as string }) });
      undo?.();
      const where = `${p.method} ${p.url} → ${res.statusCode}`;
      expect(res.statusCode, `${where}: ${res.body.slice(0, 200)}`).toBe(p.status);
      const path = Object.keys(doc.paths).find((d) => new RegExp(`^${d.replace(/\{\w+\}/g, "[^/]+")}$`).test(p.url.split("?")[0]!))!;
      const documented = doc.paths[path]![p.method.toLowerCase()]!.responses[String(res.statusCode)];
      expect(documented, `${where} is not documented`).toBeDefined();
      seen.add(`${p.method} ${path} ${res.statusCode}`);
      if (p.code) {
        expect(res.json().error.code).toBe(p.code);
        expect(documented!["x-error-codes"], where).toContain(p.code);
      }
      const json = documented!.content?.["application/json"];
      if (json) {
        const validate = ajv.compile(resolveRefs(json.schema));
        expect(validate(res.json()), `${where}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    }
    // The probes reach every success every route declares.
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const status of Object.keys(op.responses).filter((s) => Number(s) < 300)) {
          if (path === "/api/v1/events/stream") continue; // an endless stream: test/dashboard.test.ts reads it
          expect(seen, `no probe of ${method} ${path} ${status}`).toContain(`${method.toUpperCase()} ${path} ${status}`);
        }
      }
    }
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
