// `koji-fleet up`'s nats-server, confined like production: the users and per-host permissions
// come from the same renderer (controller/nats/server-config.ts), with generated passwords in place of
// certificates. A client without credentials is refused. A host gets its user (a reload) before
// its agent starts.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { renderNatsConfig } from "../../controller/nats/server-config.js";
import { startNatsServer, type NatsServer } from "../../controller/nats/embedded-server.js";
import type { NatsConfig } from "../../shared/nats.js";
import { passwords } from "../nats-passwords.js";

export const CONTROLLER_USER = "controller";
export const ENROLLMENT_USER = "enroll";

export class SandboxNats {
  private hosts: string[] = [];
  /** allow() calls, one after the other: each renders every host known so far. */
  private admitting: Promise<void> = Promise.resolve();

  private constructor(
    private readonly server: NatsServer,
    private readonly dir: string,
    private pw: Record<string, string>,
  ) {}

  /** The server and its passwords live in dir (passwords.json, 0600: kept across runs). */
  static async start(dir: string): Promise<SandboxNats> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const pw = await passwords(passwordsFile(dir), [CONTROLLER_USER, ENROLLMENT_USER]);
    // listen and the store are in the file (-c only): with -js/-sd a reload shuts JetStream down
    const server = await startNatsServer({ storeDir: dir, config: render(dir, [], pw), configOnly: true });
    return new SandboxNats(server, dir, pw);
  }

  get url(): string {
    return this.server.url;
  }

  /** How `user` (a host, CONTROLLER_USER or ENROLLMENT_USER) connects. */
  credentials(user: string): NatsConfig {
    const pass = this.pw[user];
    if (!pass) throw new Error(`no NATS user ${user} in the sandbox (allow its host first)`);
    return { servers: [this.url], user, pass, reconnectWaitMs: 250 };
  }

  /** Gives every host of `hosts` its user; reloads the server only when one is new. */
  allow(hosts: readonly string[]): Promise<void> {
    const next = this.admitting.then(async () => {
      const fresh = hosts.filter((h) => !this.hosts.includes(h));
      if (fresh.length === 0) return;
      const all = [...this.hosts, ...fresh].sort();
      const pw = await passwords(passwordsFile(this.dir), [CONTROLLER_USER, ENROLLMENT_USER, ...all]);
      await this.server.reload(render(this.dir, all, pw));
      this.pw = pw;
      this.hosts = all;
    });
    this.admitting = next.catch(() => undefined);
    return next;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

const passwordsFile = (dir: string): string => join(dir, "passwords.json");

function render(dir: string, hosts: string[], pw: Record<string, string>): string {
  return renderNatsConfig({
    hosts,
    hostPasswords: Object.fromEntries(hosts.map((h) => [h, pw[h]!])),
    controller: { user: CONTROLLER_USER, password: pw[CONTROLLER_USER]! },
    enrollment: { user: ENROLLMENT_USER, password: pw[ENROLLMENT_USER]! },
    // -1: a free port, kept across reloads
    listen: { host: "127.0.0.1", port: -1 },
    jetstreamStoreDir: join(dir, "jetstream"),
  });
}
