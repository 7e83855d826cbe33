// The resource kinds this agent supports, by name. A catalog naming any other kind gets
// "unsupported resource kind" for that resource only.
import { directoryKind } from "./directory.js";
import { execKind } from "./exec.js";
import { fileKind } from "./file.js";
import type { AnyKind } from "./kind.js";
import { symlinkKind } from "./symlink.js";
import { pemBundleKind } from "./pem-bundle.js";
import { packageKind } from "./package.js";
import { postgresClusterKind } from "./postgres/cluster.js";
import { postgresDatabaseKind } from "./postgres/database.js";
import { postgresRoleKind } from "./postgres/role.js";
import { postgresSqlKind } from "./postgres/sql.js";
import { secretFileKind } from "./secret-file.js";
import { gateKind } from "./gate.js";
import { certificateKind } from "./certificate.js";
import { serviceKind } from "./service.js";
import { systemdDropinKind } from "./systemd-dropin.js";
import { groupKind } from "./group.js";
import { userKind } from "./user.js";
import { firewallKind } from "./firewall.js";
import { selinuxBooleanKind } from "./selinux-boolean.js";
import { selinuxFcontextKind } from "./selinux-fcontext.js";
import { mountKind } from "./mount.js";
import { nfsExportKind } from "./nfs-export.js";
import { hostsEntriesKind } from "./hosts-entries.js";

export type KindRegistry = ReadonlyMap<string, AnyKind>;

export const defaultKinds: KindRegistry = new Map<string, AnyKind>([
  fileKind,
  directoryKind,
  symlinkKind,
  execKind,
  pemBundleKind,
  secretFileKind,
  packageKind,
  postgresClusterKind,
  postgresRoleKind,
  postgresDatabaseKind,
  postgresSqlKind,
  groupKind,
  userKind,
  firewallKind,
  selinuxBooleanKind,
  selinuxFcontextKind,
  mountKind,
  nfsExportKind,
  hostsEntriesKind,
  gateKind,
  certificateKind,
  serviceKind,
  systemdDropinKind,
].map((k) => [k.name, k]));

export type { AnyKind, Kind, KindContext } from "./kind.js";
export { directoryKind, execKind, fileKind, packageKind, pemBundleKind, symlinkKind };
