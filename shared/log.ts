import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger };

const REDACT = ["password", "*.password", "pass", "*.pass", "token", "*.token", "secret", "*.secret", "headers.authorization"];

// Under systemd (JOURNAL_STREAM set) a `<N>` prefix gives each line its journald priority.
const PRIORITY: Record<number, number> = { 10: 7, 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 };

export function createLogger(svc: string, opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const out = opts.destination ?? process.stdout;
  const journal = Boolean(process.env.JOURNAL_STREAM) && !opts.destination;
  const options: LoggerOptions = {
    level: opts.level ?? "info",
    base: { svc },
    redact: { paths: REDACT, censor: "[redacted]" },
  };
  if (!journal) return pino(options, out as pino.DestinationStream);
  return pino(options, {
    write(line: string) {
      const level = (JSON.parse(line) as { level: number }).level;
      out.write(`<${PRIORITY[level] ?? 6}>${line}`);
    },
  });
}

/** A logger that drops everything: for tests and for in-process agents in `up`. */
export const silentLogger = (): Logger => pino({ level: "silent" });
