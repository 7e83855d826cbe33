// NATS 2.9 cannot restrict where a consumer delivers: another host can point a consumer at
// our command subject. Those messages keep their original subject; the agent ignores them.
import { afterAll, beforeAll, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, AckPolicy } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { AgentBus } from "../agent/bus.js";
import { ControllerBus } from "../controller/nats/bus.js";
import { agentInboxPrefix, commandSubject } from "../shared/names.js";
import { silentLogger } from "../shared/log.js";
import { startNats, type NatsHandle } from "./support/nats.js";
import { sleep, waitFor } from "./support/wait.js";

let nats: NatsHandle;
let controller: NatsConnection;
let agent: NatsConnection;
beforeAll(async () => {
  nats = await startNats();
  controller = await connect({ servers: nats.url });
  await ControllerBus.open(controller, silentLogger());
  agent = await connect({ servers: nats.url, inboxPrefix: agentInboxPrefix("host-a") });
});
afterAll(async () => {
  await agent?.close();
  await controller?.close();
  await nats?.stop();
});

it("messages pushed to our command subject by someone's consumer are dropped; real commands are answered", async () => {
  const bus = await AgentBus.open(agent, "host-a", silentLogger());
  let handled = 0;
  bus.onCommand("converge", async () => ++handled);
  await agent.flush();

  const kv = await new Kvm(controller).open("kf-desired");
  await kv.put("host-b", JSON.stringify({ not: "a command" }));
  const jsm = await jetstreamManager(controller);
  await jsm.consumers.add("KV_kf-desired", {
    deliver_subject: commandSubject("host-a", "converge"),
    ack_policy: AckPolicy.None,
    filter_subject: "$KV.kf-desired.host-b",
  });
  await sleep(300);
  expect(handled).toBe(0);

  const reply = await controller.request(commandSubject("host-a", "converge"), "{}", { timeout: 2_000 });
  expect(reply.json()).toEqual({ ok: true, result: 1 });
  await waitFor(() => handled === 1);
});
