import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PATHS } from "../../controller/compile/farm.js";
import { credentialFiles } from "../../shared/koji/credentials.js";
import { wantsHelp, type Command } from "../command.js";
import { lookasideBase, uploadSource } from "../sources-upload.js";

const usage = `usage: koji-fleet sources upload FILE --package NAME --lookaside HOST|URL
                                [--cert FILE] [--key FILE] [--ca FILE] [--timeout SECONDS]

Uploads FILE (a source tarball) to the farm's lookaside cache and prints the line for the
package's \`sources\` file, as \`fedpkg new-sources\` would:

  SHA512 (FILE) = <sha512 of FILE>

Builders fetch it back with koji-fleet-sources, verifying that hash (docs/roles/builder.md).
The file goes to <lookaside>/<NAME>/<FILE>/sha512/<hash>/<FILE>; a file already there is kept
(same path, same content). Exit 0 when stored or already there.

--package    the package (the spec repository's name)
--lookaside  the lookaside host (https://HOST/repo/pkgs) or its base URL
--cert       your farm client certificate, PEM, with its key unless --key
             (default ~/.koji/client.crt, the koji CLI's; a \`koji-fleet ca user\` bundle:
             openssl pkcs12 -in NAME.p12 -nodes -out ~/.koji/client.crt)
--key        the key, PEM, if not in --cert
--ca         the farm CA (default ${PATHS.caCert}; \`koji-fleet ca export\` prints it)
--timeout    for the whole upload (default 3600)`;

export const sourcesCommand: Command = {
  name: "sources",
  usage,
  async run(args) {
    if (wantsHelp(args)) return console.log(usage), 0;
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        package: { type: "string" },
        lookaside: { type: "string" },
        cert: { type: "string", default: join(homedir(), ".koji", "client.crt") },
        key: { type: "string" },
        ca: { type: "string", default: PATHS.caCert },
        timeout: { type: "string", default: "3600" },
      },
    });
    const [verb, file] = positionals;
    if (verb !== "upload" || !file || positionals.length !== 2 || !values.package || !values.lookaside) return console.error(usage), 2;
    const timeout = Number(values.timeout);
    if (!Number.isInteger(timeout) || timeout < 1) return console.error("koji-fleet sources: --timeout must be a whole number of seconds"), 2;
    const tls = await credentialFiles({ caFile: values.ca!, certFile: values.cert!, ...(values.key && { keyFile: values.key }) })();
    const { line, stored } = await uploadSource({ file, pkg: values.package, lookaside: lookasideBase(values.lookaside), tls, timeoutMs: timeout * 1000 });
    console.error(`koji-fleet sources: ${stored ? "uploaded" : "already in the lookaside"}: ${file}`);
    console.log(line);
    return 0;
  },
};
