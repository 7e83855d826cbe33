// Assertion 6 of issue 18: kojiweb on the hub host (web role) logs a person in with a
// `koji-fleet ca user` certificate: /koji/login answers 302 with a session cookie, and the
// index seen with that cookie names the user. kojiweb logs in to the hub as itself and proxies
// the person's DN (ProxyDNs): the web role's certificate, web.conf and the hub's ProxyDNs at once.
import { describe, expect, inject, it } from "vitest";
import { PATHS } from "../../controller/compile/farm.js";
import { HUB } from "../support/compiled-fleet.js";
import { attachFarm } from "./farm.js";
import { curl, fqdn, userCredential } from "./lane.js";

const farm = attachFarm(inject("farm"));
const hub = farm.host(HUB);
const web = `https://${fqdn(HUB)}/koji`;

describe(`kojiweb on ${HUB}`, () => {
  it("a koji-fleet ca user certificate logs in: 302 with a session cookie, and the index names the user", async () => {
    const { pemOnHub } = await userCredential(farm, "bob");
    const login = await curl(hub, `${web}/login`, { cacert: PATHS.caCert, cert: pemOnHub });
    expect(login.code).toBe(302);
    // kojiweb's session is the `user` cookie, signed with web.conf's Secret (sealed by the controller).
    const cookies = [...login.headers.matchAll(/^set-cookie: ([^=]+=[^;]*)/gim)].map((m) => m[1]!);
    expect(cookies.map((c) => c.split("=")[0])).toEqual(["user"]);
    const index = await curl(hub, `${web}/index`, { cacert: PATHS.caCert, extra: ["-H", `Cookie: ${cookies.join("; ")}`] });
    expect(index.code).toBe(200);
    expect(index.body).toMatch(/<a href="userinfo\?userID=\d+">bob<\/a> \| <a href="logout">logout<\/a>/);
  });

  it("without a client certificate the login is refused and no session is made", async () => {
    const login = await curl(hub, `${web}/login`, { cacert: PATHS.caCert });
    expect(login.headers).not.toMatch(/^set-cookie: user=/im);
    expect(login.code).not.toBe(302);
  });
});
