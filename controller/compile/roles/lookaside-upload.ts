// The lookaside's upload endpoint: a python3 CGI (standard library only: EL10's python3 has no
// `cgi` module, and dist-git, whose upload.cgi needs it, is not in EL10's repositories) under
// `/repo/pkgs/upload.cgi`. The protocol is a raw PUT of the file to the path it will be
// downloaded from, with the hash in it, so the body streams to disk and nothing parses
// multipart. httpd authenticates the client certificate (lookaside.ts); the CGI verifies the
// hash and places the file atomically. Its tests run this text under Debian's apache2
// (test/lookaside-sources.test.ts) and the real lookaside vhost (test/koji/lookaside.test.ts).

/** The CGI for a lookaside tree at `dir` (an ABS_PATH: a plain string literal in Python too). */
export const uploadCgi = (dir: string): string => `#!/usr/bin/python3
# koji-fleet's lookaside upload CGI. Rendered by koji-fleet (controller/compile/roles/lookaside-upload.ts);
# the protocol is docs/roles/lookaside.md#uploads:
#   PUT /repo/pkgs/upload.cgi/<package>/<file>/sha512/<hash>   body: the file's bytes
# httpd admits only farm client certificates here (Require ssl-verify-client); the CGI checks
# again and logs the CN. The body streams to a temporary file in the target directory, is
# hashed on the way, fsynced, then linked into place: a file already there (same path, so the
# same hash) is never replaced, and nothing is left behind by a short body or a mismatch.
# Every answer comes after the whole body was read: httpd resets a connection whose body the
# CGI left unread, and the client would never see why.
# Only the standard library: EL10's python3 has no cgi module to lean on, nor needs one.
import hashlib
import os
import re
import sys
import tempfile
import time

ROOT = ${JSON.stringify(dir)}
CHUNK = 1 << 20
PACKAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
FILE = re.compile(r"^[A-Za-z0-9_+~,@-][A-Za-z0-9._+~,@-]*$")
SHA512 = re.compile(r"^[0-9a-f]{128}$")


def reply(status, text, headers=()):
    head = "".join(f"{h}\\r\\n" for h in (f"Status: {status}", "Content-Type: text/plain; charset=utf-8", *headers))
    sys.stdout.write(f"{head}\\r\\n{text}\\n")
    return 0


def log(message):
    # mod_cgid hands a CGI's stderr to httpd's main error log, as is: the line says when and who.
    when = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    print(f"[{when}] koji-fleet lookaside upload from {os.environ.get('REMOTE_ADDR', '?')}: {message}", file=sys.stderr, flush=True)


def store(dest_dir, dest, want, length):
    """Streams the body into dest; returns None once stored, else why not."""
    os.makedirs(dest_dir, mode=0o2775, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=".upload-")
    try:
        digest = hashlib.sha512()
        left = length
        with os.fdopen(fd, "wb") as out:
            while left > 0:
                chunk = sys.stdin.buffer.read(min(CHUNK, left))
                if not chunk:
                    return f"the body ended {left} bytes short of Content-Length {length}"
                digest.update(chunk)
                out.write(chunk)
                left -= len(chunk)
            if digest.hexdigest() != want:
                return f"sha512 mismatch: the URL says {want}, the body is {digest.hexdigest()}"
            out.flush()
            os.fchmod(out.fileno(), 0o644)
            os.fsync(out.fileno())
        try:
            os.link(tmp, dest)  # never replaces: an existing file stays as it is
        except FileExistsError:
            pass
        dfd = os.open(dest_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
        return None
    finally:
        os.unlink(tmp)


def prune(dest_dir):
    """Removes the directories a refused upload created, up to the package's (rmdir: empty only)."""
    for d in (dest_dir, os.path.dirname(dest_dir), os.path.dirname(os.path.dirname(dest_dir))):
        try:
            os.rmdir(d)
        except OSError:
            return


def drain(length):
    """Reads the body to its end; its sha512. httpd resets a connection whose body the CGI left unread, and the client then never sees the answer."""
    digest = hashlib.sha512()
    while length > 0:
        chunk = sys.stdin.buffer.read(min(CHUNK, length))
        if not chunk:
            break
        digest.update(chunk)
        length -= len(chunk)
    return digest.hexdigest()


def main():
    env = os.environ
    try:
        length = int(env.get("CONTENT_LENGTH", ""))
    except ValueError:
        return reply("411 Length Required", "Content-Length is required")
    cn = env.get("SSL_CLIENT_S_DN_CN", "")
    if env.get("SSL_CLIENT_VERIFY") != "SUCCESS" or not cn:
        drain(length)
        return reply("403 Forbidden", "uploads need a farm client certificate")
    if env.get("REQUEST_METHOD") != "PUT":
        drain(length)
        return reply("405 Method Not Allowed", "PUT <package>/<file>/sha512/<hash> with the file as the body", ["Allow: PUT"])
    parts = env.get("PATH_INFO", "").strip("/").split("/")
    if len(parts) != 4 or parts[2] != "sha512":
        drain(length)
        return reply("400 Bad Request", "the path must be <package>/<file>/sha512/<hash>")
    package, name, _, want = parts
    if not PACKAGE.match(package) or not FILE.match(name) or not SHA512.match(want):
        drain(length)
        return reply("400 Bad Request", "bad package name, file name or sha512 (128 lowercase hex digits)")
    dest_dir = os.path.join(ROOT, package, name, "sha512", want)
    dest = os.path.join(dest_dir, name)
    where = f"{package}/{name}/sha512/{want}/{name}"
    if os.path.isfile(dest):
        # Same path, same content: kept as it is. The body is still checked, so a wrong claim is told.
        got = drain(length)
        if got != want:
            log(f"CN={cn} {where}: refused, already there and the body's sha512 is {got}")
            return reply("400 Bad Request", f"refused: sha512 mismatch: the URL says {want}, the body is {got}")
        log(f"CN={cn} {where}: already there")
        return reply("200 OK", f"already there: {where}")
    why = store(dest_dir, dest, want, length)
    if why is not None:
        prune(dest_dir)
        log(f"CN={cn} {where}: refused, {why}")
        return reply("400 Bad Request", f"refused: {why}")
    log(f"CN={cn} {where}: stored {length} bytes")
    return reply("201 Created", f"stored: {where}")


sys.exit(main())
`;
