// The controller.yaml of `koji-fleet up`: written into its state directory and read back
// with the production reader, so the sandbox's controller runs from a real file and `ca`,
// `token` (--config DIR/controller.yaml) find the CA, the state and the API as in production.
import { stringify } from "yaml";
import type { ControllerConfigFile } from "../../controller/daemon-config.js";
import type { NatsConfig } from "../../shared/nats.js";

export interface SandboxConfigInputs {
  /** Absolute: the state directory of `up` (DIR). */
  dir: string;
  repoDir: string;
  pollSeconds: number;
  nats: NatsConfig;
  httpPort: number;
}

export function sandboxControllerConfig(i: SandboxConfigInputs): ControllerConfigFile {
  return {
    git: { url: i.repoDir, branch: "main", path: "fleet.yaml", pollSeconds: i.pollSeconds },
    nats: i.nats,
    // A developer's sandbox: its CLI commands and dashboard need no token.
    http: { host: "127.0.0.1", port: i.httpPort, allowUnauthenticatedLoopback: true },
    stateDir: `${i.dir}/controller`,
    ca: { dir: `${i.dir}/ca` },
  };
}

/** The file's text: why it is there, then the config. It holds the NATS password: mode 0600. */
export const sandboxConfigText = (c: ControllerConfigFile): string =>
  [
    "# Written by `koji-fleet up` at each start (its nats-server's port changes): edits are lost.",
    "# For the CLI's commands against the sandbox, as in production:",
    "#   koji-fleet ca export --config THIS-FILE",
    "#   koji-fleet token create HOST --config THIS-FILE",
    "# Every key: docs/config.md.",
    stringify(c),
  ].join("\n");
