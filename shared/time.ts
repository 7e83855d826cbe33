/** Clock as a dependency, so summaries and staleness are testable without sleeping. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
export const iso = (d: Date): string => d.toISOString();
