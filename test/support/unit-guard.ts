// Setup file of the unit lane (vitest.config.ts, project "unit"): a unit test runs no process
// and opens no socket. Every way Node offers to do either throws here, and a test during which
// one was attempted fails even if the code under test caught the throw, so a test that belongs
// to test:int or test:e2e cannot sit in the unit lane unnoticed (test/lanes.ts, CONTRIBUTING.md).
import childProcess from "node:child_process";
import dgram from "node:dgram";
import { syncBuiltinESMExports } from "node:module";
import net from "node:net";
import { afterAll, afterEach } from "vitest";

type Patchable = Record<string, unknown>;

const attempts: string[] = [];
const restores: (() => void)[] = [];

function refuse(owner: Patchable, key: string, what: string): void {
  const original = owner[key];
  owner[key] = function refused(): never {
    attempts.push(what);
    throw new Error(`unit lane: ${what} refused: a test that runs a process or opens a socket belongs in test:int or test:e2e (test/lanes.ts)`);
  };
  restores.push(() => { owner[key] = original; });
}

for (const fn of ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"]) {
  refuse(childProcess as unknown as Patchable, fn, `child_process.${fn}`);
}
refuse(net as unknown as Patchable, "connect", "net.connect");
refuse(net as unknown as Patchable, "createConnection", "net.createConnection");
// tls.connect, http.request and every client socket end in Socket#connect; every server in Server#listen.
refuse(net.Socket.prototype as unknown as Patchable, "connect", "a socket's connect");
refuse(net.Server.prototype as unknown as Patchable, "listen", "a server's listen");
refuse(dgram as unknown as Patchable, "createSocket", "dgram.createSocket");
// `import { execFile } from "node:child_process"` binds the ESM export: make it see the patch.
syncBuiltinESMExports();

/** What was refused since the last call, and forget it (test/lanes.test.ts shows the guard at work). */
export const takeRefusals = (): string[] => attempts.splice(0);

function failOnAttempts(when: string): void {
  if (attempts.length === 0) return;
  const seen = [...new Set(takeRefusals())].join(", ");
  throw new Error(`unit lane: ${when} attempted ${seen}: move this file to test:int or test:e2e (test/lanes.ts)`);
}

afterEach(() => failOnAttempts("this test"));
afterAll(() => {
  try {
    failOnAttempts("this file (outside its tests)");
  } finally {
    for (const restore of restores.splice(0).reverse()) restore();
    syncBuiltinESMExports();
  }
});
