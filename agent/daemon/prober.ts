// The catalog's health probes, run on a timer and after each converge, and their latest
// results. A run that a converge overtook is dropped (probe-epoch.ts).
import type { Catalog, ProbeResult } from "../../shared/protocol.js";
import type { Clock } from "../../shared/time.js";
import { runProbes } from "../probes/index.js";
import type { Executor } from "../providers/executor.js";
import type { Files } from "../providers/files.js";
import type { SecretSource } from "../secrets.js";
import type { ProbeEpoch } from "./probe-epoch.js";

export interface ProberDeps {
  root: string;
  sandbox: boolean;
  files: Files;
  exec: Executor;
  clock: Clock;
  epoch: ProbeEpoch;
}

const health = (results: readonly ProbeResult[]): string => JSON.stringify(results.map((p) => [p.id, p.healthy]));

export class Prober {
  private latest: ProbeResult[] = [];

  constructor(private readonly deps: ProberDeps) {}

  get results(): ProbeResult[] {
    return this.latest;
  }

  /**
   * Runs the catalog's probes unless a converge is running; true when a probe's health changed,
   * null when the results were not taken (a converge ran or overtook them).
   */
  async run(catalog: Catalog, secrets: SecretSource): Promise<boolean | null> {
    const { epoch, root, files, exec, clock, sandbox } = this.deps;
    const token = epoch.begin();
    if (token === null) return null;
    const before = health(this.latest);
    const results = await runProbes(catalog.probes, { root, files, exec, previous: this.latest, now: clock, secrets, sandbox });
    if (!epoch.fresh(token)) return null;
    this.latest = results;
    return health(results) !== before;
  }
}
