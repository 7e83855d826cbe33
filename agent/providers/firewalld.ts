// firewalld provider of the `firewall` kind (firewalld 2.x, firewall-cmd over D-Bus).
// Both configurations are read and written on purpose: runtime (what filters packets now)
// and permanent (what survives a reload or reboot). We add to each what it lacks instead of
// `--runtime-to-permanent` (would also persist other people's runtime-only experiments) or
// `--reload` (would drop their runtime-only rules). Nothing is ever removed.
import { runTool, showCommand, type ToolContext } from "./checked-run.js";

export type Layer = "runtime" | "permanent";

const FIREWALL_CMD = "/usr/bin/firewall-cmd";
/** firewalld's exit codes (src/firewall/errors.py) that mean something to an admin. */
const NOT_RUNNING = 252;
const INVALID_ZONE = 112;

const layerArgs = (layer: Layer): string[] => (layer === "permanent" ? ["--permanent"] : []);

export const stateArgv = (): [string, ...string[]] => [FIREWALL_CMD, "--state"];
export const listArgv = (zone: string, layer: Layer, what: "services" | "ports"): [string, ...string[]] => [FIREWALL_CMD, ...layerArgs(layer), `--zone=${zone}`, `--list-${what}`];
/** firewall-cmd takes --add-service (or --add-port) repeated, but not both kinds in one call. */
export const addArgv = (zone: string, layer: Layer, what: "service" | "port", items: readonly string[]): [string, ...string[]] => [
  FIREWALL_CMD, ...layerArgs(layer), `--zone=${zone}`, ...items.map((i) => `--add-${what}=${i}`),
];

/** Pure: `--list-services` / `--list-ports` print one line of space-separated words (empty line when none). */
export const parseList = (stdout: string): string[] => stdout.split(/\s+/).filter(Boolean);

interface PortRange {
  from: number;
  to: number;
  proto: string;
}

/** Pure: "443/tcp" or "60000-61000/udp" → a range; null when not a port spec. */
export function parsePort(spec: string): PortRange | null {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?\/([a-z]+)$/.exec(spec);
  if (!m) return null;
  return { from: Number(m[1]), to: Number(m[2] ?? m[1]), proto: m[3]! };
}

/**
 * Pure: whether `want` is open given the listed ports. firewalld 1.0+ merges overlapping
 * ranges (adding 8001/tcp next to 8000-8010/tcp lists only the range), so a port inside a
 * listed range of the same protocol counts as open.
 */
export function portOpen(want: string, listed: readonly string[]): boolean {
  const w = parsePort(want);
  if (!w) return listed.includes(want);
  return listed.some((l) => {
    const r = parsePort(l);
    return r !== null && r.proto === w.proto && r.from <= w.from && w.to <= r.to;
  });
}

export interface ZoneState {
  services: string[];
  ports: string[];
}

/** Throws a readable error when firewalld is not running: nothing can be read or changed then. */
export async function requireRunning(t: ToolContext): Promise<void> {
  const r = await runTool(t, stateArgv(), { ok: [0, NOT_RUNNING], pkg: "firewalld" });
  if (r.exitCode === NOT_RUNNING) {
    throw new Error("firewalld is not running (firewall-cmd --state: not running): start it with systemctl enable --now firewalld, or manage this host's firewall another way");
  }
}

export async function readZone(t: ToolContext, zone: string, layer: Layer): Promise<ZoneState> {
  const list = async (what: "services" | "ports") => {
    const r = await runTool(t, listArgv(zone, layer, what), { ok: [0, INVALID_ZONE] });
    if (r.exitCode === INVALID_ZONE) throw new Error(`firewalld has no zone '${zone}' (${layer}): ${r.stderr.trim()}`);
    return parseList(r.stdout);
  };
  return { services: await list("services"), ports: await list("ports") };
}

/**
 * Pure: the warnings of an add that mean something was NOT added. With several items
 * firewall-cmd reports a bad one as "Warning: INVALID_SERVICE: …" and still exits 0 when
 * another item succeeded; ALREADY_ENABLED is harmless.
 */
export const addFailures = (stderr: string): string[] =>
  stderr.split("\n").map((l) => l.trim()).filter((l) => /^(Warning|Error): /.test(l) && !l.includes("ALREADY_ENABLED"));

/** Adds services and ports to one layer; an empty list runs nothing. */
export async function addToZone(t: ToolContext, zone: string, layer: Layer, services: readonly string[], ports: readonly string[]): Promise<void> {
  for (const [what, items] of [["service", services], ["port", ports]] as const) {
    if (items.length === 0) continue;
    const argv = addArgv(zone, layer, what, items);
    const failed = addFailures((await runTool(t, argv)).stderr);
    if (failed.length > 0) throw new Error(`${showCommand(argv)}: ${failed.join("; ")}`);
  }
}
