// Scenarios publish their own catalogs for one host, signed with the test controller's key,
// the way the controller would: the base catalog of the host plus extra resources.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { Signer } from "../../shared/signing.js";
import { SIGNING_KEY_FILE } from "../../controller/trust/signing-key.js";
import { BUCKET_DESIRED } from "../../shared/names.js";
import { digestOf } from "../../shared/canonical.js";
import type { Catalog, Probe, Resource } from "../../shared/protocol.js";
import type { TestFleet } from "../support/fleet.js";

export const fileResource = (path: string, content: string, requires: string[] = []): Resource => ({
  id: `file:${path}`, kind: "file", props: { path, content, mode: "0644" }, requires, notifies: [],
});

export class CatalogPublisher {
  private constructor(
    private readonly desired: KV,
    private readonly signer: Signer,
    private readonly base: Catalog,
  ) {}

  static async open(fleet: TestFleet, nc: NatsConnection, host: string): Promise<CatalogPublisher> {
    const desired = await new Kvm(nc).open(BUCKET_DESIRED);
    const signer = new Signer(await readFile(join(fleet.dir, "controller", SIGNING_KEY_FILE), "utf8"));
    return new CatalogPublisher(desired, signer, (await desired.get(host))!.json<Catalog>());
  }

  /** Puts the base catalog plus `extra` resources and probes at base generation + `step`; returns that generation. */
  async publish(step: number, extra: Resource[], extraProbes: Probe[] = []): Promise<number> {
    const { signature: _s, ...body } = this.base;
    const content = { host: body.host, roles: body.roles, resources: [...body.resources, ...extra], probes: [...body.probes, ...extraProbes] };
    const generation = this.base.generation + step;
    await this.desired.put(body.host, JSON.stringify(this.signer.sign({ ...body, ...content, generation, digest: digestOf(content), issuedAt: new Date().toISOString() })));
    return generation;
  }
}
