// Reads the HTTP API's secrets from the files controller.yaml names, once at start. A file that
// others may read is refused, like the agent's secrets: a leaked webhook secret or API token is
// exactly what the checks exist to stop. Every problem is a KF_ERR_CONFIG_INVALID naming the key.
import { randomBytes } from "node:crypto";
import { existsSync, linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { FleetError } from "../../shared/errors.js";
import type { ControllerConfig } from "../daemon-config.js";
import type { AppDeps } from "./app.js";

/** Shorter secrets could be guessed offline from one captured signature. */
export const MIN_SECRET_LENGTH = 16;

type HttpAuthDeps = Pick<AppDeps, "webhookSecret" | "apiTokens" | "adminCommonNames" | "readAccess" | "allowUnauthenticatedLoopback" | "listenHost" | "publicNames" | "https">;

function readPrivate(key: string, file: string): string {
  try {
    const mode = statSync(file).mode;
    if (mode & 0o007) throw new Error(`mode ${(mode & 0o777).toString(8).padStart(4, "0")} gives other users access; chmod o-rwx`);
    return readFileSync(file, "utf8");
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new FleetError("KF_ERR_CONFIG_INVALID", `http.${key}: cannot use ${file}: ${reason}`, { cause: err });
  }
}

function readPublic(key: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new FleetError("KF_ERR_CONFIG_INVALID", `http.${key}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

const tooShort = (key: string, file: string, what: string) =>
  new FleetError("KF_ERR_CONFIG_INVALID", `http.${key}: ${what} in ${file} is shorter than ${MIN_SECRET_LENGTH} characters`);

/** The whole file, without the trailing newline editors add. */
export function readWebhookSecret(file: string): string {
  const secret = readPrivate("webhookSecretFile", file).trim();
  if (secret.length < MIN_SECRET_LENGTH) throw tooShort("webhookSecretFile", file, "the secret");
  return secret;
}

/** One token a line; blank lines and `#` comments are skipped. */
export function readApiTokens(file: string): string[] {
  const lines = readPrivate("apiTokensFile", file).split("\n").map((l) => l.trim());
  const tokens = lines.filter((l) => l !== "" && !l.startsWith("#"));
  if (tokens.length === 0) throw new FleetError("KF_ERR_CONFIG_INVALID", `http.apiTokensFile: ${file} has no token`);
  if (tokens.some((t) => t.length < MIN_SECRET_LENGTH)) throw tooShort("apiTokensFile", file, "a token");
  // A bearer token is one word; a line with spaces is most likely two tokens run together.
  if (tokens.some((t) => /\s/.test(t))) throw new FleetError("KF_ERR_CONFIG_INVALID", `http.apiTokensFile: a line of ${file} has whitespace inside a token`);
  return tokens;
}

/**
 * First start: an http.apiTokensFile that does not exist yet is made with one new token, 0600 and
 * owned by the controller's user. True if it was made here (false: it existed, or another
 * controller sharing the state directory made it first).
 */
export function createApiTokensFile(file: string): boolean {
  if (existsSync(file)) return false;
  const draft = `${file}.${process.pid}.new`;
  try {
    writeFileSync(draft, `kf-${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
    linkSync(draft, file); // not rename: a link never replaces a file made meanwhile
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST" && existsSync(file)) return false;
    throw new FleetError("KF_ERR_CONFIG_INVALID", `http.apiTokensFile: cannot create ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    if (existsSync(draft)) unlinkSync(draft);
  }
}

export function readHttpAuth(http: ControllerConfig["http"]): HttpAuthDeps {
  const { tls } = http;
  return {
    readAccess: http.readAccess,
    adminCommonNames: http.adminCommonNames,
    allowUnauthenticatedLoopback: http.allowUnauthenticatedLoopback,
    listenHost: http.host,
    publicNames: http.publicNames,
    ...(http.webhookSecretFile ? { webhookSecret: readWebhookSecret(http.webhookSecretFile) } : {}),
    ...(http.apiTokensFile ? { apiTokens: readApiTokens(http.apiTokensFile) } : {}),
    ...(tls
      ? {
          https: {
            cert: readPublic("tls.certFile", tls.certFile),
            key: readPrivate("tls.keyFile", tls.keyFile),
            ...(tls.clientCaFile ? { ca: readPublic("tls.clientCaFile", tls.clientCaFile) } : {}),
          },
        }
      : {}),
  };
}
