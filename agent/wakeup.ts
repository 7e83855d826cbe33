/** A one-shot signal the converge loop sleeps on: fired by new catalogs, commands and stop(). */
export class Wakeup {
  private fired = false;
  private resolve: (() => void) | null = null;

  fire(): void {
    this.fired = true;
    this.resolve?.();
  }

  /** Resolves true when fired (at once if fired since the last wait), false after `ms`. */
  async wait(ms: number): Promise<boolean> {
    if (this.fired) {
      this.fired = false;
      return true;
    }
    const fired = await new Promise<boolean>((res) => {
      const t = setTimeout(() => res(false), Math.max(0, ms));
      this.resolve = () => {
        clearTimeout(t);
        res(true);
      };
    });
    this.resolve = null;
    this.fired = false;
    return fired;
  }
}
