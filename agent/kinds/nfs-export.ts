// `nfs-export`: one exported path, as one line in an /etc/exports.d/<file>.exports file,
// and the export table in use matching it. The Koji tree goes rw to hub and kojira (kojira
// with no_root_squash: it runs as root and deletes apache-owned repos) and ro to builders
// (docs/pitfalls.md#pitfall-7). Two drifts are caught: the file line (→ write it, exportfs -ra)
// and a table that no longer matches a right file (someone ran `exportfs -o …` or
// `exportfs -u` by hand → exportfs -ra only).
import { Type, type Static } from "@sinclair/typebox";
import { resolveUnderRoot, type FileStat } from "../providers/files.js";
import { editExports, exportLinesFor, exportsHas, readExportTable, reloadExports, renderExportLine, tableDifferences, type ExportLine, type TableEntry } from "../providers/nfs-exports.js";
import { AbsolutePath, Ensure } from "./common.js";
import type { Kind } from "./kind.js";

const Client = Type.Object(
  {
    /** IP, CIDR network, host name, wildcard (*.mx-os), @netgroup or "*". */
    host: Type.String({ pattern: "^[A-Za-z0-9_.:*?@/\\[\\]-]{1,255}$" }),
    /** exports(5) options in order: "rw", "sync", "no_root_squash", "anonuid=48"… */
    options: Type.Array(Type.String({ pattern: "^[a-z_]+(=[A-Za-z0-9_.:/-]+)?$" }), { minItems: 1, maxItems: 64 }),
  },
  { additionalProperties: false },
);

export const NfsExportPropsSchema = Type.Object(
  {
    path: AbsolutePath,
    /** /etc/exports.d/<file>.exports; default from path ("/mnt/koji" → "mnt-koji"). */
    file: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$" })),
    /** In order: for overlapping clients (a host inside a network) the first match wins. */
    clients: Type.Array(Client, { minItems: 1, maxItems: 256 }),
    ensure: Type.Optional(Ensure),
  },
  { additionalProperties: false },
);
export type NfsExportProps = Static<typeof NfsExportPropsSchema>;

export interface NfsExportObserved {
  text: string | null;
  stat: FileStat | null;
  dirExists: boolean;
  table: TableEntry[];
}

const DIR = "/etc/exports.d";
const HEADER = "# Managed by koji-fleet (nfs-export): one line per exported path; other lines are kept.";
export const exportsFile = (p: NfsExportProps): string => `${DIR}/${p.file ?? (p.path.replace(/^\/+|\/+$/g, "").replace(/\//g, "-") || "root")}.exports`;
const wanted = (p: NfsExportProps): ExportLine | null => (p.ensure === "absent" ? null : { path: p.path, clients: p.clients.map((c) => ({ host: c.host, options: [...c.options] })) });

function plan(props: NfsExportProps, obs: NfsExportObserved): { lines: string[]; text: string | null; reload: boolean } {
  const want = wanted(props);
  const text = obs.text ?? "";
  const file = exportsFile(props);
  const lines: string[] = [];
  let next: string | null = null;
  const old = exportLinesFor(text, props.path).map(renderExportLine);
  if (want ? !exportsHas(text, want) : old.length > 0) {
    if (!want) lines.push(`${file}: remove "${old.join('", "')}"`);
    else lines.push(old.length === 0 ? `${file}: add "${renderExportLine(want)}"` : `${file}: "${old.join('", "')}" → "${renderExportLine(want)}"`);
    next = editExports(text, props.path, want, HEADER);
  }
  const stale = tableDifferences(props.path, want, obs.table);
  lines.push(...stale);
  return { lines, text: next, reload: next !== null || stale.length > 0 };
}

export const nfsExportKind: Kind<NfsExportProps, NfsExportObserved> = {
  name: "nfs-export",
  schema: NfsExportPropsSchema,
  appliesInSandbox: false,
  platforms: ["el", "fedora"],
  summary: (p) => (p.ensure === "absent" ? `no NFS export of ${p.path}` : `NFS export ${p.path} to ${p.clients.map((c) => c.host).join(", ")}`),

  async observe(props, ctx) {
    const full = resolveUnderRoot(ctx.root, exportsFile(props));
    const text = (await ctx.files.readFile(full))?.toString("utf8") ?? null;
    const dir = await ctx.files.lstat(resolveUnderRoot(ctx.root, DIR));
    const table = await readExportTable({ exec: ctx.exec, signal: ctx.signal });
    return { text, stat: await ctx.files.lstat(full), dirExists: dir?.type === "directory", table };
  },

  diff: (props, observed) => plan(props, observed).lines,

  async apply(props, observed, ctx) {
    const p = plan(props, observed);
    if (p.text !== null) {
      // nfs-utils ships the directory; without it exportfs would not read our file anyway.
      if (!observed.dirExists) throw new Error(`${DIR} does not exist (is nfs-utils installed?)`);
      const st = observed.stat;
      await ctx.files.writeFileAtomic(resolveUnderRoot(ctx.root, exportsFile(props)), p.text, { mode: st?.mode ?? 0o644, uid: st?.uid, gid: st?.gid });
    }
    // Reloads every exports file: re-exports what changed, unexports what went, syncs the kernel.
    if (p.reload) await reloadExports({ exec: ctx.exec, signal: ctx.signal });
  },
};
