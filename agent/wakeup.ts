/** A one-shot signal the converge loop sleeps on: fired by new catalogs, commands and stop(). */
export class Wakeup {
  private fired = false;
  private resolve: (() => void) | null = null;

  fire(): void {
    this.fired = true;
    this.resolve?.();
  }

  /** Resolves when fired (immediately if it was fired since the last wait) or after `ms`. */
  async wait(ms: number): Promise<void> {
    if (this.fired) {
      this.fired = false;
      return;
    }
    await new Promise<void>((res) => {
      const t = setTimeout(res, ms);
      this.resolve = () => {
        clearTimeout(t);
        res();
      };
    });
    this.resolve = null;
    this.fired = false;
  }
}
