// First start of a host: with a one-time token, generate the host's key, send a CSR on
// kf.enroll as the restricted enrollment user, and keep what comes back: the host's NATS
// client certificate, the fleet CA, and the controller's catalog-signing public key (pinned).
import { createPrivateKey } from "node:crypto";
import { readFile, rm, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { connectFailureText, connectNats } from "../shared/nats.js";
import { ENROLL_INBOX_PREFIX, ENROLL_SUBJECT } from "../shared/names.js";
import { writeFileAtomic } from "../shared/atomic-file.js";
import { FleetError } from "../shared/errors.js";
import type { Logger } from "../shared/log.js";
import type { AgentConfig } from "./config.js";
import { createCsr, generateIdentityKeyPem } from "./csr.js";

export const identityFiles = (dir: string) => ({ key: join(dir, "agent.key"), cert: join(dir, "agent.crt"), ca: join(dir, "ca.crt") });

type Reply = { ok: true; certificatePem: string; caPem: string; catalogPublicKeyPem: string } | { ok: false; error: string };

const RETRY_MS = 1_000;

/**
 * Enrolls when a token is present and the host is not enrolled yet; returns whether it did.
 * NATS down or no controller answering yet are retried (until `running()` is false); a
 * refusal is final: it needs a person (a new token, the host added to git…).
 */
export async function enrollIfNeeded(cfg: AgentConfig, log: Logger, running: () => boolean = () => true): Promise<boolean> {
  const files = identityFiles(cfg.identityDir);
  const enrolled = (await readFile(cfg.catalogKeyFile).catch(() => null)) !== null && (await readFile(files.cert).catch(() => null)) !== null;
  if (enrolled || !cfg.enrollment) return false;
  const token = (await readFile(cfg.enrollment.tokenFile, "utf8").catch(() => null))?.trim();
  if (!token) {
    log.warn({ tokenFile: cfg.enrollment.tokenFile }, "not enrolled and no enrollment token: catalogs will be refused");
    return false;
  }
  await mkdir(cfg.identityDir, { recursive: true, mode: 0o700 });
  // Keep an existing key: a refused attempt must not make the next one use a different key.
  let keyPem = await readFile(files.key, "utf8").catch(() => null);
  if (!keyPem) {
    keyPem = await generateIdentityKeyPem();
    await writeFileAtomic(files.key, keyPem, 0o600);
  }
  const csr = createCsr(createPrivateKey(keyPem), [["CN", cfg.host]]);
  const nc = await connectNats(cfg.enrollment.nats ?? cfg.nats, `koji-fleet-enroll-${cfg.host}`, ENROLL_INBOX_PREFIX, {
    failed: (f) => log.warn({ nats: f.servers, reason: f.reason, attempt: f.attempt }, `enrollment: ${connectFailureText(f)}`),
  });
  let reply: Reply | null = null;
  try {
    while (!reply && running()) {
      try {
        reply = (await nc.request(ENROLL_SUBJECT, JSON.stringify({ host: cfg.host, token, csr }), { timeout: 15_000 })).json<Reply>();
      } catch (err) {
        log.info({ err: (err as Error).message }, "enrollment not answered yet, retrying");
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  } finally {
    await nc.close();
  }
  if (!reply) return false;
  if (!reply.ok) throw new FleetError("KF_ERR_FORBIDDEN", reply.error);
  await writeFileAtomic(files.cert, reply.certificatePem, 0o644);
  await writeFileAtomic(files.ca, reply.caPem, 0o644);
  await writeFileAtomic(cfg.catalogKeyFile, reply.catalogPublicKeyPem, 0o644);
  await rm(cfg.enrollment.tokenFile, { force: true });
  log.info({ host: cfg.host }, "enrolled: client certificate and catalog-signing key stored");
  return true;
}
