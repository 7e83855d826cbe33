// Lays a host's catalog into the upper layers of its overlays (support/netns.ts), before they
// are mounted: files, directories, symlinks, secret files, certificates and PEM bundles exactly
// as rendered (only debian-adaptations.ts's edits applied), with their modes and owners, and
// the EL platform's stand-ins (platform.ts: the packages themselves are installed by the
// package kind through them once the overlays are up, hub-farm.ts). Also /etc/hosts' base.
import { chmod, chown, mkdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Resource } from "../../shared/protocol.js";
import type { CertificateProps } from "../../shared/certificate-props.js";
import type { compiled } from "../../controller/compile/testing.js";
import { PATHS } from "../../controller/compile/farm.js";
import type { FarmPki } from "../support/farm-pki.js";
import { upperPath } from "../support/netns.js";
import { adapt } from "./debian-adaptations.js";
import { APACHE_ID } from "./el-packages.js";
import type { KojiSource } from "./koji-source.js";
import { installPlatform } from "./platform.js";

/** The host directories made private (overlaid) in the host's mount namespace. */
export const OVERLAID = ["/etc", "/usr", "/root", "/run", "/var", "/mnt"] as const;

const IDS: Readonly<Record<string, number>> = { root: 0, apache: APACHE_ID };
const idOf = (name: unknown, fallback: number): number => {
  if (name === undefined) return fallback;
  const id = IDS[String(name)];
  if (id === undefined) throw new Error(`lay-host: no uid/gid for ${String(name)} (add it to the lane's accounts)`);
  return id;
};

/** {{secret:name}} placeholders filled in, as the secret-file kind does on the host. */
export const renderSecrets = (template: string, secrets: Readonly<Record<string, string>>): string =>
  template.replace(/\{\{secret:([a-z0-9-]+)\}\}/g, (_m, name: string) => {
    const v = secrets[name];
    if (v === undefined) throw new Error(`lay-host: no secret ${name}`);
    return v;
  });

export interface LayInputs {
  readonly pki: FarmPki;
  readonly src: KojiSource;
  readonly secrets: Readonly<Record<string, string>>;
}

export async function layHost(layers: string, c: ReturnType<typeof compiled>, host: string, inputs: LayInputs): Promise<void> {
  const at = (path: string) => upperPath(layers, path);
  // Each upper root takes its lower's mode and owner (/root stays 0700).
  for (const d of OVERLAID) {
    const st = await stat(d);
    await mkdir(at(d), { recursive: true });
    await chmod(at(d), st.mode & 0o7777);
    await chown(at(d), st.uid, st.gid);
  }
  const write = async (path: string, content: string, props: Record<string, unknown>, mode = "0644") => {
    await mkdir(dirname(at(path)), { recursive: true });
    await writeFile(at(path), content);
    await chmod(at(path), parseInt(String(props.mode ?? mode), 8));
    await chown(at(path), idOf(props.owner, 0), idOf(props.group, 0));
  };
  const resources = c.host(host).resources;
  const ofKind = (kind: string): Resource[] => resources.filter((r) => r.kind === kind);

  for (const r of ofKind("directory")) {
    const path = String(r.props.path);
    await mkdir(at(path), { recursive: true });
    await chmod(at(path), parseInt(String(r.props.mode ?? "0755"), 8));
    await chown(at(path), idOf(r.props.owner, 0), idOf(r.props.group, 0));
  }
  for (const r of ofKind("file")) await write(String(r.props.path), adapt(String(r.props.path), String(r.props.content)), r.props);
  for (const r of ofKind("secret-file")) await write(String(r.props.path), renderSecrets(String(r.props.template), inputs.secrets), r.props, "0600");
  for (const r of ofKind("certificate")) {
    const p = r.props as unknown as CertificateProps;
    const issued = await inputs.pki.issue(host, p.name);
    await write(p.keyFile, issued.key, { owner: p.keyOwner, group: p.keyGroup }, "0600");
    await write(p.certFile, issued.cert, { mode: p.certMode });
    if (p.caFile) await write(p.caFile, inputs.pki.ca.certificatePem, { mode: p.certMode });
  }
  for (const r of ofKind("pem-bundle")) {
    const parts = r.props.parts as { file: string }[];
    const pem = (await Promise.all(parts.map((p) => readFile(at(p.file), "utf8")))).join("");
    await write(String(r.props.path), pem, r.props, "0600");
  }
  for (const r of ofKind("symlink")) {
    await mkdir(dirname(at(String(r.props.path))), { recursive: true });
    await symlink(String(r.props.target), at(String(r.props.path)));
  }
  await installPlatform(upperPath(layers, "/"), { kojiSrc: inputs.src.dir });
  // The distribution's /etc/hosts; the farm's names are the catalog's hosts-entries resource,
  // converged by the agent's kind once the host's mount namespace is up (hub-farm.ts).
  await writeFile(at("/etc/hosts"), "127.0.0.1 localhost\n::1 localhost\n");
  // The topdir, NFS-mounted on EL (mount:/mnt/koji stood in by a local directory), httpd-writable.
  await mkdir(at(PATHS.packagedTopdir), { recursive: true });
  await chown(at(PATHS.packagedTopdir), APACHE_ID, APACHE_ID);
}
