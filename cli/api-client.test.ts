import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../controller/http/app.js";
import { FleetState } from "../controller/fleet/state.js";
import { createApiTokensFile } from "../controller/http/secrets.js";
import { apiOptions, apiRequest } from "./api-client.js";

delete process.env.KOJI_FLEET_TOKEN_FILE; // the defaults are under test
const dir = mkdtempSync(join(tmpdir(), "kf-api-client-"));
// What the packaged controller makes at its first start, and what an operator may add to it.
const tokenFile = join(dir, "api-tokens");
createApiTokensFile(tokenFile);
const token = (): string => apiOptions({ token: tokenFile }).token!;
let app: FastifyInstance;
let url = "";
const asked: string[] = [];

beforeAll(async () => {
  app = await buildApp({
    state: new FleetState(new Date().toISOString()),
    clock: () => new Date(),
    requestSync: () => void asked.push("sync"),
    reportedStatus: async () => null, readiness: () => ({ ready: true, reason: "ok" }),
    apiTokens: [token()],
  });
  url = await app.listen({ host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the CLI's API client against the controller's API", () => {
  it("a write with the controller's own token file, given by --token, is accepted (typed JSON, no body)", async () => {
    const before = asked.length;
    expect(await apiRequest(apiOptions({ api: url, token: tokenFile }), "POST", "/api/v1/sync")).toEqual({ accepted: true });
    expect(asked.length - before).toBe(1);
  });

  it("without --token, a loopback API gets the default token file, if there is one", async () => {
    const o = apiOptions({ api: url }, tokenFile);
    expect(o.token).toBe(token());
    expect(await apiRequest(o, "POST", "/api/v1/sync")).toEqual({ accepted: true });
    expect(apiOptions({ api: url }, join(dir, "absent")).token).toBeUndefined();
  });

  it("the default token file is never sent to another host, and '' sends none", () => {
    expect(apiOptions({ api: "https://fleet.example.org" }, tokenFile).token).toBeUndefined();
    expect(apiOptions({ api: url, token: "" }, tokenFile).token).toBeUndefined();
  });

  it("a token file's comments and blank lines are skipped, as the controller skips them", () => {
    const commented = join(dir, "commented");
    writeFileSync(commented, `# ops team, 2026-11\n\n${token()}\n`);
    expect(apiOptions({ api: url, token: commented }).token).toBe(token());
    writeFileSync(commented, "# nothing yet\n");
    expect(() => apiOptions({ api: url, token: commented })).toThrow(/holds no token/);
  });
});
