// The real controller in its own process, as its RPM runs it, over a fresh nats-server, git
// remote, CA and signing key: what controller-1000 and controller-10000 measure, set up once.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import { join } from "node:path";
import { asShipped, createRemote, dist } from "./lib.mjs";

export const freePort = () => new Promise((resolve, reject) => {
  const srv = createServer().listen(0, "127.0.0.1", () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  srv.on("error", reject);
});

/**
 * Starts nats-server, a git remote holding `fleetYaml`, the CA and the controller. The signing key
 * is made here so simulated or real agents can pin its public half (`signingPem`). The
 * controller runs the RPM's bundle under its unit's node flags unless KF_BENCH_CONTROLLER_BIN /
 * KF_BENCH_CONTROLLER_FLAGS say otherwise; KF_BENCH_PROF=DIR writes its CPU profile on exit.
 */
export async function startControllerFarm({ fleetYaml, prefix }) {
  const { startNatsServer } = await dist("controller/nats/embedded-server.js");
  const { CertificateAuthority } = await dist("controller/ca/authority.js");
  const { SIGNING_KEY_FILE } = await dist("controller/trust/signing-key.js");
  const { generateSigningKeyPem } = await dist("shared/signing.js");

  const dir = await mkdtemp(join(os.tmpdir(), `kf-bench-${prefix}-`));
  const nats = await startNatsServer({ storeDir: join(dir, "nats") });
  await mkdir(join(dir, "git"));
  const remote = await createRemote(join(dir, "git"));
  await remote.commit("initial fleet", { "fleet.yaml": fleetYaml });
  await CertificateAuthority.init(join(dir, "ca"), { subject: [["O", "koji-fleet bench"], ["CN", "Koji CA"]], keyBits: 2048 });
  const stateDir = join(dir, "controller");
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const signingPem = generateSigningKeyPem();
  await writeFile(join(stateDir, SIGNING_KEY_FILE), signingPem, { mode: 0o600 });
  const port = await freePort();
  const configFile = join(dir, "controller.yaml");
  await writeFile(configFile, JSON.stringify({
    git: { url: remote.bareDir, pollSeconds: 3600 }, nats: { servers: [nats.url] }, http: { host: "127.0.0.1", port },
    stateDir, ca: { dir: join(dir, "ca") }, logLevel: "warn",
  }));
  const [bin, flags, bundleDir] = await asShipped("controller", { bin: process.env.KF_BENCH_CONTROLLER_BIN, flags: process.env.KF_BENCH_CONTROLLER_FLAGS });
  const prof = process.env.KF_BENCH_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.KF_BENCH_PROF] : [];
  const start = () => spawn(process.execPath, [...flags, ...prof, bin, "controller", "--config", configFile], { stdio: ["ignore", "ignore", "inherit"] });
  const stopController = async (c) => {
    if (c.exitCode === null && c.signalCode === null) { c.kill("SIGTERM"); await new Promise((r) => c.once("exit", r)); }
  };
  let controller = start();
  return {
    dir, nats, remote, port, signingPem, bin, flags, bundleDir,
    get controller() { return controller; },
    /** Stops the controller (SIGTERM, as systemd does) and starts it again on the same state and NATS. */
    async restart() {
      await stopController(controller);
      controller = start();
      return controller;
    },
    async stop() {
      await stopController(controller);
      await nats.stop();
      await rm(dir, { recursive: true, force: true });
      if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
    },
  };
}
