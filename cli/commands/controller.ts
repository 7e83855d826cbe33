import { parseArgs } from "node:util";
import { readControllerConfig, type ControllerConfig } from "../../controller/daemon-config.js";
import { Controller } from "../../controller/controller.js";
import { SdNotify } from "../../agent/sd-notify.js";
import { runDaemon, type DaemonSpec } from "../daemon.js";
import { wantsHelp, type Command } from "../command.js";

const usage = `usage: koji-fleet controller --config FILE

Runs the controller: watches the desired-state git repository (poll + POST /hooks/git),
validates and compiles it, publishes one catalog per host to NATS, serves the API.
Default config: /etc/koji-fleet/controller.yaml. Under systemd (Type=notify) it reports
READY once serving, its status line, and watchdog pings. SIGTERM/SIGINT stop it cleanly;
SIGHUP re-reads the config file and restarts the controller in place if it changed.
With ha in the config, several controllers share one farm: one leads (a lease in NATS), the
others stand by and serve /healthz only; a controller that loses the lease to another exits
with code 12 (systemd restarts it as a standby). See docs/scaling.md.`;

const controllerDaemon: DaemonSpec<ControllerConfig> = {
  name: "koji-fleet-controller",
  read: readControllerConfig,
  logLevel: (c) => c.logLevel,
  start(config, log) {
    const controller = new Controller(config, { log });
    let url = "";
    let stopped!: () => void;
    const ended = new Promise<void>((resolve) => (stopped = resolve));
    const ready = controller.start().then((u) => void log.info({ url: (url = u) }, "controller running"));
    return {
      ready,
      // Ends on stop(), or with an error once another controller took the lease (ha).
      done: ready.then(() => Promise.race([ended, controller.failure])),
      // Not readiness(): a git or NATS outage is waited out (both retry forever), and a
      // restart would not end it sooner. The pings prove the event loop is alive.
      healthy: () => controller.state === "running" || controller.state === "standby",
      summary() {
        const r = controller.readiness();
        return r.ready ? `serving ${controller.url || url}, ${controller.fleet.desired.size} host catalog(s)` : `${controller.url || url || "starting"}: ${r.reason}`;
      },
      stop: async () => {
        await controller.stop();
        stopped();
      },
    };
  },
};

export const controllerCommand: Command = {
  name: "controller",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const notify = new SdNotify(); // first: hides NOTIFY_SOCKET from git and other children
    const { values } = parseArgs({ args, options: { config: { type: "string", default: "/etc/koji-fleet/controller.yaml" } } });
    process.exit(await runDaemon(controllerDaemon, values.config!, { notify }));
  },
};
