#!/usr/bin/env bash
# npm run rpm: bundle → stage the sources → rpmbuild both specs → dist/rpm/*.noarch.rpm.
# Works on Fedora/EL and on Debian (rpm 4.18 + packaging/macros.compat; docs/install.md, "Building the RPMs").
#   KF_RELEASE (default 1), KF_DIST (default .el10), KF_RPM_OUT (default dist/rpm),
#   KF_BUNDLE_DIR (default dist/bundle), KF_SKIP_BUNDLE=1 to reuse the bundle there.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v rpmbuild >/dev/null || { echo "rpmbuild is missing (Debian: apt-get install rpm; Fedora/EL: dnf install rpm-build)" >&2; exit 1; }
bundle=${KF_BUNDLE_DIR:-dist/bundle}
[[ ${KF_SKIP_BUNDLE:-} == 1 ]] || node packaging/bundle.mjs --outdir "$bundle"

version=$(node -p 'require("./package.json").version')
out=${KF_RPM_OUT:-dist/rpm}
top=$(mktemp -d "${TMPDIR:-/tmp}/kf-rpmbuild.XXXXXX")
trap 'rm -rf "$top"' EXIT
mkdir -p "$top"/{SOURCES,BUILD,RPMS,SRPMS,home} "$out"
cp "$bundle"/{koji-fleet.mjs,koji-fleet.mjs.map,koji-fleet.mjs.LEGAL.txt,THIRD_PARTY_LICENSES} \
  packaging/koji-fleet.sh packaging/koji-fleet.sysusers packaging/systemd/*.service packaging/config/*.yaml docs/install.md \
  gitops/fleet.yaml gitops/fleet.schema.json gitops/koji-content.schema.json \
  "$top/SOURCES/"
# The chunks' names carry content hashes, so the specs take them as one archive (names,
# owners and times fixed: the same bundle gives the same archive).
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=u=rw,go=r,a+X \
  -C "$bundle" -cf "$top/SOURCES/koji-fleet-chunks.tar" chunks
# Debian's rpm keeps its database under $HOME/.rpmdb: a HOME of our own keeps the build
# away from the caller's.
printf '%%_dbpath %s\n' "$top/rpmdb" >"$top/home/.rpmmacros"

for spec in packaging/rpm/koji-fleet-agent.spec packaging/rpm/koji-fleet-controller.spec; do
  HOME="$top/home" rpmbuild --quiet --load packaging/macros.compat \
    --define "_topdir $top" --define "dist ${KF_DIST:-.el10}" \
    --define "kf_version $version" --define "kf_release ${KF_RELEASE:-1}" \
    --define "_binary_payload w19.zstdio" \
    -bb "$spec"
done
for rpm in "$top"/RPMS/noarch/*.rpm; do
  mv -f "$rpm" "$out/"
  echo "$out/$(basename "$rpm")"
done
