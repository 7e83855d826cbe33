// Tests run the same nats-server launcher as `koji-fleet up`, in a temp dir of their own.
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startNatsServer, type NatsServer } from "../../controller/nats/embedded-server.js";

export { findNatsServer } from "../../controller/nats/embedded-server.js";

export interface NatsHandle extends Omit<NatsServer, "stop"> {
  /** SIGTERM and wait. Deletes the temp dir (store included) unless keepStore is set. */
  stop(opts?: { keepStore?: boolean }): Promise<void>;
}

// vitest ends workers with SIGTERM, which skips "exit" handlers unless SIGTERM exits the process.
const leftovers = new Set<string>();
let hooked = false;
function track(dir: string): void {
  leftovers.add(dir);
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const d of leftovers) rmSync(d, { recursive: true, force: true });
  });
  process.once("SIGTERM", () => process.exit(143));
}

export async function startNats(opts: { config?: string } = {}): Promise<NatsHandle> {
  const dir = await mkdtemp(join(tmpdir(), "kf-nats-"));
  track(dir);
  const server = await startNatsServer({ storeDir: join(dir, "store"), ...opts });
  return {
    get url() {
      return server.url;
    },
    get port() {
      return server.port;
    },
    storeDir: server.storeDir,
    get pid() {
      return server.pid;
    },
    async stop({ keepStore = false } = {}) {
      await server.stop();
      if (!keepStore) {
        await rm(dir, { recursive: true, force: true });
        leftovers.delete(dir);
      }
    },
    restart: () => server.restart(),
    kill: () => server.kill(),
    start: () => server.start(),
    reload: (config) => server.reload(config),
  };
}

/** For the calling describe block: a nats-server of its own and a connection to it, made before its tests and closed after. */
export function useNatsConnection(): { readonly nats: NatsHandle; readonly nc: NatsConnection } {
  let nats: NatsHandle | undefined;
  let nc: NatsConnection | undefined;
  beforeAll(async () => {
    nats = await startNats();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });
  return {
    get nats() {
      return nats!;
    },
    get nc() {
      return nc!;
    },
  };
}

