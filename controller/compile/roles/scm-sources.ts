// The source command of kojid's allowed_scms entries (builder.ts): a bash script that fetches what
// a spec repository's `sources` file lists from the farm's lookaside host, hash verified, as
// `fedpkg sources` does. kojid runs it inside the SRPM buildroot (builder/kojid build_srpm:
// `mock --chroot --unpriv --cwd <checkout> <source_cmd>`), where nothing of the builder is
// visible but kojid's scm_credentials_dir, bind-mounted at /credentials: the script and the farm
// CA live there. It needs only bash, curl and coreutils in the srpm-build group. An allowed_scms
// entry is split on ':' (koji/daemon.py assert_allowed_by_config), so it names the lookaside by
// host, never by URL. Its tests run this text with bash (test/lookaside-sources.test.ts).
import type { BuilderSettings } from "../../config/defaults.js";
import { PATHS, type Farm } from "../farm.js";
import { pemBundle } from "../kinds.js";
import type { Resource } from "../../../shared/protocol.js";
import { directory, file, type Edges } from "../resources.js";

/** Where kojid's scm_credentials_dir appears in the SRPM buildroot (builder/kojid, fixed). */
export const CHROOT_CREDENTIALS = "/credentials";
export const SOURCES_SCRIPT_NAME = "koji-fleet-sources";
/** The farm CA beside the script, the script's default --cacert. */
export const SOURCES_CA_NAME = "koji_ca_cert.crt";

export const SOURCES_SCRIPT = `#!/bin/bash
# koji-fleet-sources: fetches the files a spec repository's \`sources\` file lists from the farm's
# lookaside cache, as \`fedpkg sources\` does, verifying each hash. kojid runs it as the source
# command of its allowed_scms entries, inside the SRPM buildroot, from the checkout directory.
# Rendered by koji-fleet (controller/compile/roles/scm-sources.ts); docs/roles/builder.md.
#
# usage: koji-fleet-sources [--package NAME] [--cacert FILE] (HOST | --url URL)
#   HOST       the lookaside host; files come from https://HOST/repo/pkgs/ (an allowed_scms
#              entry cannot hold a ':', so it names the host only)
#   --url      the lookaside's base URL instead, e.g. https://HOST:8443/repo/pkgs
#   --package  the package (default: the current directory's name, which kojid names after
#              the repository)
#   --cacert   the CA the lookaside's certificate must chain to (default: koji_ca_cert.crt
#              beside this script)
# ./sources lists \`SHA512 (FILE) = HASH\` (what fedpkg writes) or \`MD5HASH  FILE\` (the old
# format), fetched from <base>/<package>/<FILE>/<sha512|md5>/<HASH>/<FILE>. A file lands in the
# current directory only once its hash matched, by rename from a temporary file beside it; a
# missing file or a mismatch leaves nothing behind and exits 1.
set -euo pipefail

prog=koji-fleet-sources
usage="usage: $prog [--package NAME] [--cacert FILE] (HOST | --url URL)"
die() { echo "$prog: $*" >&2; exit 1; }
bad_usage() { echo "$prog: $*" >&2; echo "$usage" >&2; exit 2; }

package=$(basename -- "$PWD")
cacert="$(dirname -- "$0")/koji_ca_cert.crt"
base=
while [ $# -gt 0 ]; do
  case $1 in
    --package | --cacert | --url)
      [ $# -ge 2 ] || bad_usage "$1 needs a value"
      case $1 in
        --package) package=$2 ;;
        --cacert) cacert=$2 ;;
        --url) base=\${2%/} ;;
      esac
      shift 2 ;;
    -h | --help) echo "$usage"; exit 0 ;;
    -*) bad_usage "unknown option $1" ;;
    *)
      [ -z "$base" ] || bad_usage "one lookaside only"
      base="https://$1/repo/pkgs"
      shift ;;
  esac
done
[ -n "$base" ] || bad_usage "which lookaside? give its HOST or --url"
case $base in https://*) ;; *) bad_usage "the lookaside must be HTTPS: $base" ;; esac
[[ $package =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]] || die "'$package' is not a package name; give --package"
[ -r "$cacert" ] || die "cannot read the CA certificate $cacert"
if [ ! -e sources ]; then
  echo "$prog: no sources file in $PWD: nothing to fetch"
  exit 0
fi

sha512_line='^SHA512 \\(([^/)]+)\\) = ([0-9A-Fa-f]{128})$'
md5_line='^([0-9A-Fa-f]{32})  ([^/ ]+)$'
# No path, no hidden file: the name becomes a file in the checkout.
file_name='^[A-Za-z0-9_+~,@-][A-Za-z0-9._+~,@-]*$'

tmp=
trap 'if [ -n "$tmp" ]; then rm -f -- "$tmp"; fi' EXIT
trap 'exit 1' HUP INT TERM

digest() { # TYPE FILE: the file's hex digest
  local out
  out=$("$1sum" < "$2")
  echo "\${out%% *}"
}

fetch() { # TYPE HASH FILE
  local type=$1 hash=$2 file=$3 url code got
  url="$base/$package/$file/$type/$hash/$file"
  if [ -f "$file" ] && [ "$(digest "$type" "$file")" = "$hash" ]; then
    echo "$prog: $file: already here, $type verified"
    return
  fi
  tmp=$(mktemp "./.$file.XXXXXX")
  code=$(curl --silent --show-error --proto =https --cacert "$cacert" --retry 3 --output "$tmp" --write-out '%{http_code}' -- "$url") ||
    die "$file: cannot download $url"
  [ "$code" = 200 ] || die "$file: $url answered HTTP $code; not in the lookaside? (koji-fleet sources upload puts it there)"
  got=$(digest "$type" "$tmp")
  [ "$got" = "$hash" ] || die "$file: refused: sources says $type $hash, the lookaside sent $got"
  chmod 0644 "$tmp"
  mv -f -- "$tmp" "$file"
  tmp=
  echo "$prog: $file: fetched from $url, $type verified"
}

n=0
while IFS= read -r line <&3 || [ -n "$line" ]; do
  n=$((n + 1))
  line=\${line%$'\\r'}
  if [[ $line =~ ^[[:space:]]*$ ]]; then continue; fi
  if [[ $line =~ $sha512_line ]]; then
    type=sha512 file=\${BASH_REMATCH[1]} hash=\${BASH_REMATCH[2]}
  elif [[ $line =~ $md5_line ]]; then
    type=md5 hash=\${BASH_REMATCH[1]} file=\${BASH_REMATCH[2]}
  else
    die "sources line $n is neither 'SHA512 (FILE) = HASH' nor 'MD5HASH  FILE': $line"
  fi
  [[ $file =~ $file_name ]] || die "sources line $n: '$file' is not a plain file name"
  fetch "$type" "\${hash,,}" "$file"
done 3< sources
`;

type Scm = BuilderSettings["scms"][number];

/** The lookaside builds fetch from: the first host with the role (cross-checks require one when an SCM asks for it). */
export const lookasideHost = (farm: Farm): string | undefined => farm.lookasides[0]?.fqdn;

/** kojid's source_cmd for `scm`, commas for spaces; undefined = Koji's default (`make sources`). */
export function sourceCommand(farm: Farm, scm: Scm): string | undefined {
  const sources = scm.sources ?? "lookaside";
  if (sources === "make") return undefined;
  if (sources === "none") return "";
  const host = lookasideHost(farm);
  if (host === undefined) throw new Error("an SCM fetches sources from the lookaside but the fleet has none (was it validated with loadFleet?)");
  return ["bash", `${CHROOT_CREDENTIALS}/${SOURCES_SCRIPT_NAME}`, host].join(",");
}

/** One allowed_scms entry: host:path:use_common[:source_cmd] (koji/daemon.py assert_allowed_by_config). */
export function scmEntry(farm: Farm, scm: Scm): string {
  const cmd = sourceCommand(farm, scm);
  return [scm.host, scm.path, scm.useCommon ? "yes" : "no", ...(cmd === undefined ? [] : [cmd])].join(":");
}

/** The raw allowedScms first (blocks `!host:path` must precede what they carve out: the first match wins), then scms. */
export const allowedScms = (farm: Farm, b: BuilderSettings): string[] => [...b.allowedScms, ...b.scms.map((s) => scmEntry(farm, s))];

/** Whether any of the builder's SCMs runs koji-fleet-sources. */
export const fetchesFromLookaside = (b: BuilderSettings): boolean => b.scms.some((s) => (s.sources ?? "lookaside") === "lookaside");

/**
 * scm_credentials_dir with the script and the farm CA (a copy: a symlink would dangle inside the
 * chroot). Root's, 0755/0644: the unprivileged mock user reads them, nobody in the buildroot can
 * change them. No secret goes here: whatever the source command is can read it (kojid.conf's note).
 */
export function scmSourcesResources(caEdges: Edges): Resource[] {
  const dir = PATHS.scmSourcesDir;
  return [
    directory(dir),
    file(`${dir}/${SOURCES_SCRIPT_NAME}`, SOURCES_SCRIPT, { mode: "0755", owner: "root", group: "root" }),
    pemBundle(`${dir}/${SOURCES_CA_NAME}`, [PATHS.caCert], { mode: "0644", owner: "root", group: "root" }, caEdges),
  ];
}
