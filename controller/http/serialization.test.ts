// fastify serializes answers with the contract's schemas, and a serializer drops whatever its
// schema does not name and coerces what it types otherwise (null to "", 1.5 to 1 for an
// integer). So for every answer of every route what is sent must be what JSON.stringify makes
// of what the handler returned: the schemas describe what is sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import { fixture, PROBES } from "./testdata/api-fixture.js";

describe("answers serialized with the contract's schemas", () => {
  const f = fixture();
  let app: FastifyInstance;
  let payload: unknown;

  beforeAll(async () => {
    app = await buildApp(f.deps);
    // Before serialization: what the handler (or sendError) gave.
    app.addHook("preSerialization", async (_req, _reply, p) => {
      payload = p;
      return p;
    });
  });
  afterAll(async () => app.close());

  it.each(PROBES.map((p, i) => [`${p.method} ${p.url} → ${p.status} (#${i})`, p] as const))("%s is what the handler returned", async (_name, p) => {
    payload = undefined;
    const undo = p.setup?.(f);
    const res = await app.inject({ method: p.method, url: p.url, headers: p.headers, ...(p.body !== undefined && { payload: p.body as string }) });
    undo?.();
    expect(res.statusCode).toBe(p.status);
    if (!res.headers["content-type"]?.toString().startsWith("application/json")) return;
    expect(payload, "no object went through serialization").toBeDefined();
    // The same members and values; only the order of members may differ (a serializer writes an
    // object's required members before its optional ones).
    expect(JSON.parse(res.body)).toStrictEqual(JSON.parse(JSON.stringify(payload)));
  });
});
