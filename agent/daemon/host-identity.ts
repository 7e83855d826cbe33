// What the agent learns once as it starts, before anything converges: the host's OS, its
// identity key (which opens the catalog's sealed secrets) and the pinned catalog-signing key.
// Enrollment (done here on a first start, or on an earlier one) is their only writer.
import { mkdir, readFile } from "node:fs/promises";
import { Verifier } from "../../shared/signing.js";
import type { Logger } from "../../shared/log.js";
import type { AgentConfig } from "../config.js";
import { enrollIfNeeded, identityFiles } from "../enroll.js";
import { readFacts, type HostFacts } from "../facts.js";
import type { Files } from "../providers/files.js";

export interface HostIdentity {
  facts: HostFacts;
  /** The host's enrollment key; none: sealed secrets cannot be opened. */
  key: string | null;
  /** The pinned catalog-signing key; none: every catalog is refused. */
  verifier: Verifier | null;
}

export async function prepareHost(config: AgentConfig, files: Files, log: Logger, running: () => boolean): Promise<HostIdentity> {
  await mkdir(config.root, { recursive: true });
  const facts = await readFacts(files, config.root);
  await enrollIfNeeded(config, log, running);
  const key = await readFile(identityFiles(config.identityDir).key, "utf8").catch(() => null);
  const pem = await readFile(config.catalogKeyFile, "utf8").catch(() => null);
  if (!pem) log.warn({ file: config.catalogKeyFile }, "no catalog-signing key pinned: every catalog will be refused");
  return { facts, key, verifier: pem ? new Verifier(pem) : null };
}
