// `postgres-cluster`: a PostgreSQL data directory initialized, its settings in an included
// file koji-fleet owns, its client rules in a managed block of pg_hba.conf, and the running
// server told about changes (reload, or restart when a start-only setting changed).
// initdb's own postgresql.conf and pg_hba.conf stay as packaged apart from the one include
// line and the block, so package updates and local additions keep working.
import { Type, type Static } from "@sinclair/typebox";
import * as path from "node:path";
import { resolveUnderRoot } from "../../providers/files.js";
import { controlServer, describeControl, serverRunning, userNameOf, type ServerControl } from "../../providers/postgres.js";
import { AbsolutePath } from "../common.js";
import type { Kind, KindContext } from "../kind.js";
import { SETTINGS_FILE, hasInclude, hbaChanges, planSettings, renderSettings, spliceHba, withInclude, INCLUDE_LINE } from "./conf.js";

const Word = Type.String({ minLength: 1, maxLength: 256, pattern: "^[^\\s#\"]+$" });
const HbaRuleSchema = Type.Object(
  {
    type: Type.Union([Type.Literal("local"), Type.Literal("host"), Type.Literal("hostssl")]),
    database: Word,
    user: Word,
    /** CIDR, address or host name; required for host/hostssl, not allowed for local. */
    address: Type.Optional(Type.String({ minLength: 1, maxLength: 256, pattern: "^[A-Za-z0-9.:/_-]+$" })),
    method: Type.Union(["trust", "reject", "scram-sha-256", "md5", "password", "peer", "ident", "cert", "gss", "sspi", "pam", "ldap", "radius"].map((m) => Type.Literal(m))),
  },
  { additionalProperties: false },
);

export const PostgresClusterPropsSchema = Type.Object(
  {
    dataDir: Type.Optional(AbsolutePath),
    initdb: Type.Optional(Type.Boolean()),
    settings: Type.Optional(Type.Record(Type.String({ pattern: "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)?$" }), Type.Union([Type.String({ pattern: "^[^\\n\\r\\x00]*$" }), Type.Number(), Type.Boolean()]))),
    hba: Type.Optional(Type.Array(HbaRuleSchema, { maxItems: 256 })),
    service: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9@._:-]+$" })),
    /** pg_ctl path: control the server with pg_ctl as the data directory's owner, not systemd. */
    pgCtl: Type.Optional(AbsolutePath),
  },
  { additionalProperties: false },
);
export type PostgresClusterProps = Static<typeof PostgresClusterPropsSchema>;

export interface PostgresClusterObserved {
  initialized: boolean;
  /** Only known once initialized; a fresh initdb leaves the server stopped. */
  running: boolean;
  settingsText: string | null;
  confText: string;
  hbaText: string;
  control: ServerControl;
}

const DEFAULT_DATA_DIR = "/var/lib/pgsql/data";
const dataDir = (p: PostgresClusterProps): string => p.dataDir ?? DEFAULT_DATA_DIR;

function checkRules(p: PostgresClusterProps): void {
  for (const r of p.hba ?? []) {
    if ((r.type === "local") !== (r.address === undefined)) {
      throw new Error(`pg_hba rule '${r.type} ${r.database} ${r.user}': ${r.type === "local" ? "local rules take no address" : "host rules need an address"}`);
    }
  }
}

async function control(p: PostgresClusterProps, ctx: KindContext): Promise<ServerControl> {
  if (p.pgCtl === undefined) return { via: "systemd", service: p.service ?? "postgresql" };
  const dir = resolveUnderRoot(ctx.root, dataDir(p));
  const st = await ctx.files.lstat(dir);
  // pg_ctl refuses root; it runs as whoever owns the cluster (initdb needs the directory first).
  if (st?.type !== "directory") throw new Error(`${dataDir(p)} does not exist: create it owned by the server's OS user first`);
  return { via: "pg_ctl", pgCtl: resolveUnderRoot(ctx.root, p.pgCtl), dataDir: dir, owner: await userNameOf(st.uid) };
}

const text = async (ctx: KindContext, file: string): Promise<string | null> => (await ctx.files.readFile(file))?.toString("utf8") ?? null;

interface Plan {
  lines: string[];
  signal: "reload" | "restart" | null;
}

function plan(p: PostgresClusterProps, o: PostgresClusterObserved): Plan {
  const lines: string[] = [];
  if (!o.initialized) lines.push(`initialize ${dataDir(p)} (PG_VERSION is absent)`);
  const settings = p.settings === undefined ? null : planSettings(p.settings, o.settingsText);
  if (settings) lines.push(...settings.lines);
  if (p.settings !== undefined && !hasInclude(o.confText)) lines.push(`postgresql.conf: append ${INCLUDE_LINE}`);
  if (p.hba !== undefined) lines.push(...hbaChanges(o.hbaText, p.hba));
  // A stopped server reads everything when it starts: nothing to signal.
  if (!o.running || lines.length === 0) return { lines, signal: null };
  if (settings && settings.restartFor.length > 0) {
    lines.push(`restart (${settings.restartFor.join(", ")} ${settings.restartFor.length > 1 ? "need" : "needs"} it): ${describeControl(o.control, "restart")}`);
    return { lines, signal: "restart" };
  }
  lines.push(`reload: ${describeControl(o.control, "reload")}`);
  return { lines, signal: "reload" };
}

/** Writes what differs; each file atomically, existing ones keep their mode and owner. */
async function writeFiles(p: PostgresClusterProps, ctx: KindContext): Promise<void> {
  const dir = resolveUnderRoot(ctx.root, dataDir(p));
  const owner = (await ctx.files.lstat(dir))!;
  const write = async (name: string, next: (old: string) => string, fresh = 0o600) => {
    const file = path.join(dir, name);
    const st = await ctx.files.lstat(file);
    const old = (await text(ctx, file)) ?? "";
    const want = next(old);
    if (st && want === old) return;
    await ctx.files.writeFileAtomic(file, want, { mode: st?.mode ?? fresh, uid: st?.uid ?? owner.uid, gid: st?.gid ?? owner.gid });
  };
  if (p.settings !== undefined) {
    await write(SETTINGS_FILE, () => renderSettings(p.settings!));
    await write("postgresql.conf", (old) => (hasInclude(old) ? old : withInclude(old)));
  }
  if (p.hba !== undefined) await write("pg_hba.conf", (old) => spliceHba(old, p.hba!));
}

export const postgresClusterKind: Kind<PostgresClusterProps, PostgresClusterObserved> = {
  name: "postgres-cluster",
  schema: PostgresClusterPropsSchema,
  appliesInSandbox: false,
  platforms: ["el", "fedora"],
  defaultTimeoutSeconds: 600,
  summary: (p) => `PostgreSQL cluster ${dataDir(p)}: ${Object.keys(p.settings ?? {}).length} settings, ${p.hba?.length ?? 0} pg_hba rules`,

  async observe(p, ctx) {
    checkRules(p);
    const dir = resolveUnderRoot(ctx.root, dataDir(p));
    const c = await control(p, ctx);
    const initialized = (await ctx.files.lstat(path.join(dir, "PG_VERSION"))) !== null;
    if (!initialized) {
      if (p.initdb === false) throw new Error(`${dataDir(p)} is not initialized (no PG_VERSION) and initdb is false`);
      // What initdb leaves: no settings file, no include line, no block.
      return { initialized, running: false, settingsText: null, confText: "", hbaText: "", control: c };
    }
    const [settingsText, confText, hbaText] = await Promise.all([SETTINGS_FILE, "postgresql.conf", "pg_hba.conf"].map((f) => text(ctx, path.join(dir, f))));
    return { initialized, running: await serverRunning(ctx.exec, c, ctx.signal), settingsText: settingsText ?? null, confText: confText ?? "", hbaText: hbaText ?? "", control: c };
  },

  diff: (p, o) => plan(p, o).lines,

  async apply(p, o, ctx) {
    if (!o.initialized) await controlServer(ctx.exec, o.control, "initdb", ctx.signal);
    await writeFiles(p, ctx);
    const { signal } = plan(p, o);
    if (signal) await controlServer(ctx.exec, o.control, signal, ctx.signal);
  },
};
