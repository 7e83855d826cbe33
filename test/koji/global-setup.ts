// The lane's one farm, started once for every test file (it takes a minute to converge) and
// handed to them as a description (test files run in other processes): see farm.ts.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { requireNamespaces } from "../support/netns.js";
import { startFarm, type FarmDescription } from "./farm.js";
import { kojiSource, requireDebianPackages } from "./koji-source.js";

declare module "vitest" {
  export interface ProvidedContext {
    farm: FarmDescription;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await requireDebianPackages();
  await requireNamespaces();
  const dir = await mkdtemp(join(tmpdir(), "kf-koji-"));
  await chmod(dir, 0o755); // daemons running as apache or postgres read the unpacked Koji through it
  const cleanup = () => (process.env.KF_KEEP_TMP ? Promise.resolve() : rm(dir, { recursive: true, force: true }));
  try {
    const farm = await startFarm(dir, await kojiSource(join(dir, "src")));
    try {
      await farm.waitReady();
    } catch (err) {
      await farm.stop();
      throw err;
    }
    project.provide("farm", farm.description);
    return async () => {
      await farm.stop();
      await cleanup();
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
