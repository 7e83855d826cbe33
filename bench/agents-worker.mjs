// Child process of agents-1000 and soak: runs many Agent instances (each its own NATS connection, root,
// state dir), pinned to the publisher's catalog key (pre-enrolled: no token, no RSA keygen).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dist } from "./lib.mjs";

const { natsUrl, dir, hosts, pubPem, heartbeatSeconds } = JSON.parse(process.argv[2]);
const { Agent } = await dist("agent/agent.js");
const { withDefaults } = await dist("agent/config.js");
const agents = [];
for (let i = 0; i < hosts.length; i += 100) {
  await Promise.all(hosts.slice(i, i + 100).map(async (h) => {
    const base = join(dir, h);
    await mkdir(base, { recursive: true });
    await writeFile(join(base, "catalog.pub"), pubPem);
    const agent = new Agent(withDefaults({ host: h, nats: { servers: [natsUrl], reconnectWaitMs: 500 }, root: join(base, "root"), sandbox: true, stateDir: join(base, "state"), identityDir: join(base, "id"), catalogKeyFile: join(base, "catalog.pub"), heartbeatSeconds, probeSeconds: 3600 }));
    const done = agent.run();
    await agent.ready;
    agents.push({ agent, done });
  }));
}
process.send({ ready: hosts.length });
process.on("message", async (m) => {
  if (m === "stop") {
    for (const a of agents) a.agent.stop();
    await Promise.all(agents.map((a) => a.done));
    process.send({ stopped: true });
    process.exit(0);
  }
});
