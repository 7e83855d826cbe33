// Keeps the nats-server authorization in step with the fleet: one user per host in git, none
// for revoked hosts (nats-server 2.9 checks no CRL: removing the user is the revocation).
// Rewritten only when the text changes, then the configured reload command runs (argv).
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { writeFileAtomic } from "../../shared/atomic-file.js";
import type { Logger } from "../../shared/log.js";
import { renderNatsConfig } from "./server-config.js";

const run = promisify(execFile);

export interface NatsServerSettings {
  /** The file nats-server is started with (`-c FILE` only: see docs/nats.md). */
  readonly configFile: string;
  readonly storeDir: string;
  readonly tls: { readonly certFile: string; readonly keyFile: string; readonly caFile: string };
  readonly controllerUser: string;
  readonly enrollmentUser: string;
  readonly listen?: { readonly host: string; readonly port: number };
  /** Run after the file changed, e.g. ["/usr/bin/systemctl", "reload", "nats-server.service"]. */
  readonly reload: readonly string[];
}

export class NatsAuthorization {
  constructor(
    private readonly s: NatsServerSettings,
    private readonly hosts: () => string[],
    private readonly revoked: () => Promise<string[]>,
    private readonly log: Logger,
  ) {}

  /** Renders, and writes + reloads only on a change; returns whether it did. */
  async sync(): Promise<boolean> {
    const text = renderNatsConfig({
      hosts: this.hosts(),
      revokedHosts: await this.revoked(),
      tls: this.s.tls,
      controller: { user: this.s.controllerUser },
      enrollment: { user: this.s.enrollmentUser },
      jetstreamStoreDir: this.s.storeDir,
      ...(this.s.listen && { listen: this.s.listen }),
    });
    if ((await readFile(this.s.configFile, "utf8").catch(() => null)) === text) return false;
    await writeFileAtomic(this.s.configFile, text, 0o640);
    const [cmd, ...args] = this.s.reload;
    if (cmd) await run(cmd, args, { timeout: 30_000 });
    this.log.info({ file: this.s.configFile }, "nats-server authorization rewritten and reloaded");
    return true;
  }
}
