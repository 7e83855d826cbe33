// The compiled database role converged FOR REAL by the agent's engine on a throwaway cluster
// (test/support/postgres-cluster.ts). Adjusted for the test cluster, and nothing else: the data
// directory and pg_ctl (no systemd), socket directory and port, and the two SQL file paths
// (under a temp directory; the schema is whichever file the caller gives).
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import type { Resource } from "../../shared/protocol.js";
import { silentLogger } from "../../shared/log.js";
import { converge, type ConvergeReport } from "../../agent/engine/converge.js";
import { defaultKinds } from "../../agent/kinds/index.js";
import { EL10 } from "./kinds.js";
import type { TestCluster } from "./postgres-cluster.js";
import { createExecutor, type Executor } from "../../agent/providers/executor.js";
import { createFiles } from "../../agent/providers/files.js";
import type { SecretSource } from "../../agent/secrets.js";
import type { compiled } from "./compiled-fleet.js";

/** The catalog's database resources of `host`, pointed at `pg`, with `schema` as Koji's schema.sql. */
export function databaseRoleResources(c: ReturnType<typeof compiled>, host: string, pg: TestCluster, tmp: string, schema: string): Resource[] {
  const sqlDir = join(tmp, "sql");
  const schemaCopy = join(tmp, "schema.sql");
  copyFileSync(schema, schemaCopy);
  const paths: Record<string, string> = { "/var/lib/koji-fleet/sql": sqlDir, "/var/lib/koji-fleet/sql/bootstrap-admin.sql": join(sqlDir, "bootstrap-admin.sql"), "/usr/share/koji/schema.sql": schemaCopy };
  const moved = (p: unknown) => paths[String(p)] ?? p;
  const keep = c.host(host).resources.filter((r) => r.kind.startsWith("postgres-") || r.id.includes("/var/lib/koji-fleet/sql"));
  const ids = new Set(keep.map((r) => r.id));
  return keep.map((r) => {
    const props: Record<string, unknown> = { ...r.props };
    if (r.kind === "postgres-cluster") {
      delete props.service;
      Object.assign(props, { dataDir: pg.dataDir, pgCtl: pg.pgCtl });
    }
    if (r.kind === "postgres-role" || r.kind === "postgres-database") props.connection = { ...(props.connection as object), host: pg.sockDir, port: pg.port };
    if (r.kind === "postgres-sql") Object.assign(props, { file: moved(props.file), connection: { ...(props.connection as object), port: pg.port } });
    if (r.kind === "file" || r.kind === "directory") props.path = moved(props.path);
    const id = r.kind === "file" || r.kind === "directory" ? `${r.kind}:${String(props.path)}` : r.id;
    const edge = (x: string) => (x.includes("/var/lib/koji-fleet/sql") ? `${x.split(":")[0]}:${String(moved(x.slice(x.indexOf(":") + 1)))}` : x);
    return { ...r, id, props, requires: r.requires.filter((x) => ids.has(x)).map(edge), notifies: r.notifies.filter((x) => ids.has(x)).map(edge) };
  });
}

/** One converge of `resources` as the agent does it; `exec` defaults to the real executor. */
export const convergeDatabaseRole = (resources: Resource[], secrets: SecretSource, previous: ConvergeReport["inventory"] = [], exec: Executor = createExecutor()) =>
  converge(resources, { kinds: defaultKinds, root: "/", sandbox: false, noop: false, files: createFiles(), exec, log: silentLogger(), previousInventory: previous, secrets, facts: EL10 });
