// httpRequest's own limits, on plain HTTP (TLS, client certificates and the connect seam are
// tested through its users: shared/koji/session.test.ts, agent/probes/http.test.ts).
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest } from "./http-request.js";

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain" });
    if (req.url === "/endless") res.write("x".repeat(10_000)); // and never ends
    else res.end("y".repeat(500));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const get = (path: string) => httpRequest({ url: new URL(`${base}${path}`), method: "GET", timeoutMs: 2_000, maxBodyBytes: 1_000 });

describe("httpRequest", () => {
  it("a body within maxBodyBytes is whole", async () => {
    expect(await get("/short")).toMatchObject({ status: 200, body: "y".repeat(500), truncated: false });
  });

  it("a body beyond maxBodyBytes is cut there and the connection closed, without waiting for its end", async () => {
    const reply = await get("/endless");
    expect(reply).toMatchObject({ status: 200, truncated: true });
    expect(reply.body).toBe("x".repeat(1_000));
  });

  it("connect: the request goes over the given stream, whatever the URL's port", async () => {
    const port = Number(new URL(base).port);
    const reply = await httpRequest({ url: new URL("http://127.0.0.1:1/short"), method: "GET", timeoutMs: 2_000, maxBodyBytes: 1_000, connect: () => connect(port, "127.0.0.1") });
    expect(reply).toMatchObject({ status: 200, truncated: false });
  });

  it("a scheme other than http and https is refused before anything is sent", async () => {
    await expect(httpRequest({ url: new URL("ftp://127.0.0.1/x"), method: "GET", timeoutMs: 2_000, maxBodyBytes: 1_000 })).rejects.toMatchObject({ code: "KF_ERR_USAGE", message: "unsupported URL scheme ftp:" });
  });
});
