// `service-active` probe: `systemctl is-active <unit>`; only "active" is healthy. When it is
// not, the unit's last journal lines say why (style: a failed service carries its journal).
import { Type, type Static } from "@sinclair/typebox";
import { JOURNALCTL, SYSTEMCTL } from "../providers/systemd.js";
import { UnitName } from "../kinds/service.js";
import type { ProbeKind } from "./index.js";
import { excerpt, healthy, unhealthy } from "./common.js";

export const ServiceActiveProbeSchema = Type.Object({ unit: UnitName }, { additionalProperties: false });
export type ServiceActiveProbeProps = Static<typeof ServiceActiveProbeSchema>;

const TIMEOUT_MS = 10_000;
const JOURNAL_LINES = 3;

export const isActiveArgv = (unit: string): [string, ...string[]] => [SYSTEMCTL, "is-active", unit];
export const journalTailArgv = (unit: string): [string, ...string[]] => [JOURNALCTL, "-u", unit, "-n", String(JOURNAL_LINES), "--no-pager", "-o", "cat"];

export const serviceActiveProbe: ProbeKind<ServiceActiveProbeProps> = {
  name: "service-active",
  schema: ServiceActiveProbeSchema,
  async check({ unit }, ctx) {
    const r = await ctx.exec.run({ argv: isActiveArgv(unit), cwd: "/", timeoutMs: TIMEOUT_MS, signal: ctx.signal });
    if (r.timedOut) return unhealthy(`${unit}: systemctl is-active timed out`);
    // is-active prints the state ("active", "inactive", "failed", "activating", …) even when it exits non-zero.
    const state = r.stdout.trim().split("\n")[0] || excerpt(r.stderr);
    if (r.exitCode === 0 && state === "active") return healthy(`${unit}: active`);
    // Best effort: the state alone already makes the result.
    const j = await ctx.exec.run({ argv: journalTailArgv(unit), cwd: "/", timeoutMs: TIMEOUT_MS, signal: ctx.signal }).catch(() => null);
    const journal = j?.exitCode === 0 && j.stdout.trim() !== "" ? `; journal: ${excerpt(j.stdout)}` : "";
    return unhealthy(`${unit}: ${state}${journal}`);
  },
};
