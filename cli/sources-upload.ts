// `koji-fleet sources upload`: a packager puts a source tarball on the farm's lookaside and gets
// the line for the spec repository's `sources` file. The protocol is the lookaside's upload CGI
// (docs/roles/lookaside.md#uploads): PUT to the download path's place under upload.cgi, the
// file streamed (tarballs reach gigabytes), after hashing it locally.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { pipeline } from "node:stream/promises";
import { FleetError, type ErrorCode } from "../shared/errors.js";
import { httpRequest, type TlsMaterial } from "../shared/http-request.js";

/** What the lookaside CGI accepts (and koji-fleet-sources fetches): no path, no hidden file. */
const PACKAGE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const FILE_NAME = /^[A-Za-z0-9_+~,@-][A-Za-z0-9._+~,@-]*$/;
const LOOKASIDE_PATH = "/repo/pkgs";

/** `fedpkg`'s line for the `sources` file. */
export const sourcesLine = (file: string, sha512: string): string => `SHA512 (${file}) = ${sha512}`;

/** The lookaside's base URL from `--lookaside`: a URL as given, or a host name for https://HOST/repo/pkgs. */
export function lookasideBase(given: string): URL {
  const url = new URL(/^[a-z]+:\/\//i.test(given) ? given : `https://${given}${LOOKASIDE_PATH}`);
  if (url.protocol !== "https:") throw new FleetError("KF_ERR_USAGE", `the lookaside must be HTTPS: ${given}`);
  return url;
}

/** Where the file is downloaded from (`download`) and PUT (`upload`): <base>[/upload.cgi]/<package>/<file>/sha512/<hash>[/<file>]. */
export function lookasideUrls(base: URL, pkg: string, file: string, sha512: string): { download: URL; upload: URL } {
  if (!PACKAGE.test(pkg)) throw new FleetError("KF_ERR_USAGE", `'${pkg}' is not a package name`);
  if (!FILE_NAME.test(file)) throw new FleetError("KF_ERR_USAGE", `'${file}' cannot be a lookaside file name (letters, digits and ._+~,@- only, not starting with '.')`);
  const root = base.pathname.replace(/\/+$/, "");
  const at = `${pkg}/${file}/sha512/${sha512}`;
  return { download: new URL(`${root}/${at}/${file}`, base), upload: new URL(`${root}/upload.cgi/${at}`, base) };
}

export async function sha512File(path: string): Promise<string> {
  const hash = createHash("sha512");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

/** The CLI's exit code for an answer of the upload CGI or of httpd in front of it. */
export function refusalCode(status: number): ErrorCode {
  if (status === 401 || status === 403) return "KF_ERR_FORBIDDEN";
  if (status === 413) return "KF_ERR_TOO_LARGE";
  if (status >= 400 && status < 500) return "KF_ERR_USAGE";
  return "KF_ERR_NOT_READY";
}

export interface UploadOptions {
  readonly file: string;
  readonly pkg: string;
  readonly lookaside: URL;
  readonly tls: TlsMaterial;
  readonly timeoutMs: number;
}

/** Uploads `file` unless the lookaside has it; resolves with the `sources` line once it is there. */
export async function uploadSource(o: UploadOptions): Promise<{ line: string; stored: boolean }> {
  const size = (await stat(o.file)).size;
  const name = basename(o.file);
  const sha512 = await sha512File(o.file);
  const urls = lookasideUrls(o.lookaside, o.pkg, name, sha512);
  const line = sourcesLine(name, sha512);
  const failed = (err: Error) => {
    throw new FleetError("KF_ERR_NOT_READY", `cannot reach the lookaside ${o.lookaside.origin}: ${err.message}`, { cause: err });
  };
  // The path holds the hash: a file there is this file, and gigabytes need not travel again.
  const there = await httpRequest({ url: urls.download, method: "HEAD", tls: o.tls, timeoutMs: 30_000, maxBodyBytes: 0 }).catch(failed);
  if (there.status === 200) return { line, stored: false };
  const reply = await httpRequest({
    url: urls.upload,
    method: "PUT",
    headers: { "Content-Type": "application/octet-stream" },
    upload: { length: size, open: () => createReadStream(o.file) },
    tls: o.tls,
    timeoutMs: o.timeoutMs,
    maxBodyBytes: 64 * 1024,
  }).catch(failed);
  if (reply.status !== 201 && reply.status !== 200) {
    const hint = reply.status === 403 ? " (the lookaside takes uploads only with a farm client certificate: --cert)" : "";
    throw new FleetError(refusalCode(reply.status), `the lookaside refused ${name}: HTTP ${reply.status} ${reply.body.trim()}${hint}`);
  }
  return { line, stored: reply.status === 201 };
}
