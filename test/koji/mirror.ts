// The lane has no Internet: the example's external repos (CentOS Stream 10's BaseOS, AppStream
// and CRB on mirror.stream.centos.org) are stood in for by three small repositories made here
// with the real rpmbuild and createrepo_c, in the mirror's own layout, served over HTTP from the
// lookaside host. The fleet.yaml the lane pushes names this mirror instead of the real one; the
// rest of the example is pushed as it is. kojid's createrepo task merges them (mergerepo_c) as
// it would merge the real ones.
import { execFile } from "node:child_process";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The example's mirror, as gitops/fleet.yaml spells it. */
export const REAL_MIRROR = "https://mirror.stream.centos.org/10-stream/";
export const MIRROR_PORT = 8081;
/** The host serving it. */
export const MIRROR_HOST = "cs10-koji-04";
/** The repositories of the example, and the one package the lane puts in each. */
export const MIRROR_REPOS = { BaseOS: "lane-baseos-marker", AppStream: "lane-appstream-marker", CRB: "lane-crb-marker" } as const;

/** The lane's mirror URL for a host serving it. */
export const laneMirror = (address: string): string => `http://${address}:${MIRROR_PORT}/10-stream/`;

/** gitops/fleet.yaml with the lane's mirror in place of the real one (nothing else changes). */
export function withLaneMirror(fleetYaml: string, address: string): string {
  if (!fleetYaml.includes(REAL_MIRROR)) throw new Error(`gitops/fleet.yaml names no ${REAL_MIRROR}: the lane's mirror stand-in is out of date`);
  return fleetYaml.replaceAll(REAL_MIRROR, laneMirror(address));
}

/** A spec of a noarch package holding one file; rpmbuild needs no sources for it. */
export function noarchSpec(name: string, version: string, release: string, summary: string): string {
  return [
    `Name: ${name}`, `Version: ${version}`, `Release: ${release}`, `Summary: ${summary}`, "License: MIT", "BuildArch: noarch", "",
    "%description", summary, "",
    "%install", `mkdir -p %{buildroot}/usr/share/${name}`, `echo ${name}-${version}-${release} > %{buildroot}/usr/share/${name}/release`, "",
    "%files", `/usr/share/${name}/release`, "",
  ].join("\n");
}

/** rpmbuild -ba of `spec` in `topdir`: the SRPM and the noarch RPM's paths. */
export async function rpmbuild(topdir: string, name: string, spec: string): Promise<{ srpm: string; rpm: string }> {
  const specFile = join(topdir, "SPECS", `${name}.spec`);
  await mkdir(join(topdir, "SPECS"), { recursive: true });
  await writeFile(specFile, spec);
  // Debian's rpm keeps its database elsewhere and knows no EL macros; the build needs neither.
  await run("rpmbuild", ["-ba", "--nodeps", "--define", `_topdir ${topdir}`, specFile], { maxBuffer: 16 * 1024 * 1024 });
  const srpms = await readdir(join(topdir, "SRPMS"));
  const rpms = await readdir(join(topdir, "RPMS", "noarch"));
  const srpm = srpms.find((f) => f.startsWith(`${name}-`));
  const rpm = rpms.find((f) => f.startsWith(`${name}-`));
  if (!srpm || !rpm) throw new Error(`rpmbuild of ${name} left no SRPM or RPM in ${topdir}`);
  return { srpm: join(topdir, "SRPMS", srpm), rpm: join(topdir, "RPMS", "noarch", rpm) };
}

/** The mirror's tree under `root`: `10-stream/<Repo>/x86_64/os/` with repodata, one package each. */
export async function buildMirror(root: string): Promise<void> {
  for (const [repo, pkg] of Object.entries(MIRROR_REPOS)) {
    const { rpm } = await rpmbuild(join(root, "build", repo), pkg, noarchSpec(pkg, "1.0", "1.el10", `the lane's stand-in for a package of CentOS Stream 10 ${repo}`));
    const os = join(root, "10-stream", repo, "x86_64", "os");
    await mkdir(join(os, "Packages"), { recursive: true });
    await run("cp", [rpm, join(os, "Packages")]);
    await run("createrepo_c", ["--quiet", os]);
  }
}
