// Which probe results may stand. A probe run that began before or during a converge can
// describe the host as it was (kojira not started yet) and, finishing after the converge's
// own probe run, would overwrite it: the host then reports Failed at its new catalog, and a
// rollout halts until a person resumes it. Found by the Koji lane (test/koji/).
export class ProbeEpoch {
  private converges = 0;
  /** A converge is running (the agent's status says so too). */
  converging = false;

  convergeStarted(): void {
    this.converges++;
    this.converging = true;
  }

  convergeEnded(): void {
    this.converging = false;
  }

  /** A token for a probe run starting now; null while a converge runs (its end runs the probes). */
  begin(): number | null {
    return this.converging ? null : this.converges;
  }

  /** Whether the results of the run begun with `token` may replace the current ones. */
  fresh(token: number): boolean {
    return !this.converging && token === this.converges;
  }
}
