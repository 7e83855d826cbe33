// Every subcommand, loaded only when it runs: `koji-fleet agent` must not pay for the
// controller's, the API's or the CA's modules (memory and start-up time on every VM).
import type { Command } from "./command.js";

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: "up", summary: "run a sandboxed 5-host fleet on this machine (what npm start runs)", load: async () => (await import("./commands/up.js")).upCommand },
  { name: "controller", summary: "run the controller daemon", load: async () => (await import("./commands/controller.js")).controllerCommand },
  { name: "agent", summary: "run the agent daemon for one host", load: async () => (await import("./commands/agent.js")).agentCommand },
  { name: "init", summary: "create a new desired-state repository from the example, with a pre-commit hook that validates", load: async () => (await import("./commands/init.js")).initCommand },
  { name: "validate", summary: "check a fleet.yaml (or a repository directory) offline", load: async () => (await import("./commands/validate.js")).validateCommand },
  { name: "plan", summary: "print each host's compiled catalog, its changes against a git revision, or a live plan (--live REV)", load: async () => (await import("./commands/plan.js")).planCommand },
  { name: "koji", summary: "export a Koji hub's content as a koji.content file (koji export: adopting an existing hub)", load: async () => (await import("./commands/koji.js")).kojiCommand },
  { name: "status", summary: "show the fleet's revision and every host's phase (API)", load: async () => (await import("./commands/status.js")).statusCommand },
  { name: "hosts", summary: "list hosts, or show one host's detail (API)", load: async () => (await import("./commands/hosts.js")).hostsCommand },
  { name: "events", summary: "show recent fleet events, or follow new ones (API)", load: async () => (await import("./commands/events.js")).eventsCommand },
  { name: "rollout", summary: "show, resume or abort the current rollout (API)", load: async () => (await import("./commands/rollout.js")).rolloutCommand },
  { name: "pin", summary: "keep a host at a git revision's catalog (--remove: follow head again)", load: async () => (await import("./commands/pin.js")).pinCommand },
  { name: "pins", summary: "list pinned hosts and the fleet-wide rollback, with who set them and when (API)", load: async () => (await import("./commands/pins.js")).pinsCommand },
  { name: "rollback", summary: "roll the whole fleet back to a git revision until a newer commit lands (--cancel: end it)", load: async () => (await import("./commands/rollback.js")).rollbackCommand },
  { name: "secret", summary: "bring an existing secret's value in (the DB password, kojiweb's Secret) and republish its hosts; list secrets, never values (API)", load: async () => (await import("./commands/secret.js")).secretCommand },
  { name: "ca", summary: "create the fleet CA, print it, issue server/client certificates, revoke a host, make a user's browser bundle", load: async () => (await import("./commands/ca.js")).caCommand },
  { name: "token", summary: "create a one-time enrollment token for a host", load: async () => (await import("./commands/token.js")).tokenCommand },
  { name: "cloud-init", summary: "print cloud-init user-data that installs a host's agent and enrolls it (a fresh token)", load: async () => (await import("./commands/cloud-init.js")).cloudInitCommand },
  { name: "sources", summary: "upload a source tarball to the lookaside and print its line for the sources file", load: async () => (await import("./commands/sources.js")).sourcesCommand },
  { name: "nats-config", summary: "render the nats-server configuration (users, per-host permissions; one file per member with --cluster)", load: async () => (await import("./commands/nats-config.js")).natsConfigCommand },
];
