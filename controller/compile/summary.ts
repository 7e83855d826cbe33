// One line per resource naming its key props, for `koji-fleet plan`. Catalogs hold no secret
// values; still, secret-file templates are shown by the secret NAMES they use, never as text,
// and file contents by size and digest: the line says what, the diff says how.
import { sha256Hex } from "../../shared/canonical.js";
import type { Resource } from "../../shared/protocol.js";
import { rfc2253, type Subject } from "./pki.js";

type Props = Record<string, unknown>;
const own = (p: Props): string => [p.mode, p.owner !== undefined || p.group !== undefined ? `${String(p.owner ?? "-")}:${String(p.group ?? "-")}` : undefined].filter(Boolean).join(" ");
const onOff = (v: unknown): string => (v ? "on" : "off");
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function contentSummary(text: string): string {
  const lines = text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  return `${lines} line${lines === 1 ? "" : "s"}, sha256 ${sha256Hex(text).slice(0, 12)}`;
}

export const secretNamesIn = (template: string): string[] => [...new Set([...template.matchAll(/\{\{secret:([a-z0-9][a-z0-9._-]*)\}\}/g)].map((m) => m[1]!))];

const SUMMARIES: Record<string, (p: Props) => string> = {
  file: (p) => `${own(p)}, ${typeof p.content === "string" ? contentSummary(p.content) : "content unmanaged"}`,
  directory: (p) => own(p),
  symlink: (p) => `→ ${String(p.target)}`,
  "pem-bundle": (p) => `${own(p)} ← ${list(p.parts).map((x) => ("file" in (x as Props) ? String((x as Props).file) : "inline certificate")).join(" + ")}`,
  "secret-file": (p) => `${own(p)}, secrets: ${secretNamesIn(String(p.template)).join(", ")}`,
  package: (p) =>
    `${list(p.packages).map((x) => (x as Props).name).join(" ")}${p.repos ? `; repos ${list(p.repos).map((r) => `${String((r as Props).id)}=${onOff((r as Props).enabled)}`).join(" ")}` : ""}`,
  service: (p) => [p.enabled === true ? "enabled" : p.enabled === false ? "disabled" : undefined, p.state, p.masked ? "masked" : undefined, p.reload ? "reload on notify" : undefined].filter(Boolean).join(", "),
  "systemd-dropin": (p) => `${String(p.unit)}.d/${String(p.name)}: ${typeof p.content === "string" ? contentSummary(p.content) : ""}`,
  user: (p) => [p.uid !== undefined ? `uid ${String(p.uid)}` : undefined, p.group ? `group ${String(p.group)}` : undefined, p.groups ? `groups ${list(p.groups).join(",")} (${String(p.groupsMembership ?? "minimum")})` : undefined].filter(Boolean).join(", "),
  group: (p) => (p.gid !== undefined ? `gid ${String(p.gid)}` : "any gid"),
  firewall: (p) => `zone ${String(p.zone ?? "public")}: ${[...list(p.services), ...list(p.ports)].join(" ")}`,
  "selinux-boolean": (p) => `${String(p.name)} ${onOff(p.value)}`,
  "selinux-fcontext": (p) => `${String(p.pattern)} → ${String(p.type)}`,
  mount: (p) => `${String(p.device)} ${String(p.fstype)} ${String(p.options ?? "defaults")}`,
  "hosts-entries": (p) => {
    const names = list(p.entries).map((e) => `${String(list((e as Props).names)[0])} → ${String((e as Props).address)}`);
    return `${names.length} hosts: ${names.slice(0, 3).join(", ")}${names.length > 3 ? `, +${names.length - 3} more` : ""}`;
  },
  "nfs-export": (p) => list(p.clients).map((c) => `${String((c as Props).host)}(${list((c as Props).options).join(",")})`).join(" "),
  "postgres-cluster": (p) =>
    `${Object.entries((p.settings ?? {}) as Props).map(([k, v]) => `${k}=${String(v)}`).join(" ")}; ${list(p.hba).length} pg_hba rules`,
  "postgres-role": (p) => `login ${onOff(p.login ?? true)}${p.passwordSecret ? `, password from secret ${String(p.passwordSecret)}` : ""}`,
  "postgres-database": (p) => `owner ${String(p.owner)}`,
  "postgres-sql": (p) => `${String(p.file ?? p.sqlGlob)} as ${String((p.runAs as Props).role)} into ${String(p.database)}, once: ${String(p.check)}`,
  certificate: (p) =>
    `${rfc2253(p.subject as Subject)}, ${String(p.usage)}${p.dnsNames ? `, SANs ${list(p.dnsNames).join(" ")}` : ""}, ${String(p.days)} days`,
  gate: (p) => (p.open ? "open" : `closed: waiting for ${String(p.waitingFor)}`),
  exec: (p) => `${list(p.argv).join(" ")}${p.refreshOnly ? " (when notified)" : ""}`,
};

/** `kind id  key props`; unknown kinds fall back to their props' JSON (no kind carries secrets). */
export function summarize(r: Resource): string {
  const fn = SUMMARIES[r.kind];
  return fn ? fn(r.props) : JSON.stringify(r.props).slice(0, 200);
}
