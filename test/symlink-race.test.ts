// The root agent against a local user who owns the directories it manages (uid 48 owns
// /mnt/koji on the NFS host, postgres owns its data directory). That user swaps a managed
// directory and a managed file with symlinks to root-only objects in a tight loop
// (renameat2(RENAME_EXCHANGE), atomic, so each name is always one or the other) and keeps
// making the managed state drift, while the agent converges the real kinds 200 times. Nothing
// root-only may change, and nothing of it may be copied where the user can read it.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { converge } from "../agent/engine/converge.js";
import { options, res } from "./support/engine.js";
import { RecordingExecutor } from "../agent/providers/executor.js";
import { EL10 } from "./support/kinds.js";
import { filesContaining } from "./support/secret-copies.js";

const NOBODY = 65534;
const SECRET = "root only: do not leak\n";
const CONVERGES = 200;

// The attacker: exchanges each pair of names as fast as it can, and every few rounds undoes
// what the agent converged (mode of the directory, content of the files), as the owner may.
const ATTACKER = String.raw`
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
pairs = [a.split("|") for a in sys.argv[2:]]
drift = sys.argv[1].split("|")
def rewrite(path, text):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW)
        os.write(fd, text); os.close(fd)
    except OSError:
        pass
n = 0
deadline = time.time() + 120
while time.time() < deadline:
    for a, b in pairs:
        libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), RENAME_EXCHANGE)
    n += 1
    if n % 64 == 0:
        try: os.chmod(drift[0], 0o700)
        except OSError: pass
        for f in drift[1:]: rewrite(f, b"drifted\n")
    if n == 1: print("swapping", flush=True)
`;

let base: string;
let attacker: ChildProcess | undefined;
beforeEach(() => {
  if (process.geteuid!() !== 0) throw new Error("this test needs root: the agent runs as root, the attacker as uid 65534");
  base = fs.mkdtempSync(join(tmpdir(), "kf-race-"));
  fs.chmodSync(base, 0o755);
});
afterEach(() => {
  attacker?.kill("SIGKILL");
  fs.rmSync(base, { recursive: true, force: true });
});

const mkdirOwned = (p: string, uid: number, mode: number) => {
  fs.mkdirSync(p, { recursive: true });
  fs.chownSync(p, uid, uid);
  fs.chmodSync(p, mode);
};
const writeOwned = (p: string, text: string, uid: number, mode: number) => {
  fs.writeFileSync(p, text);
  fs.chownSync(p, uid, uid);
  fs.chmodSync(p, mode);
};

async function startAttacker(drift: string[], pairs: [string, string][]): Promise<void> {
  const child = spawn("python3", ["-c", ATTACKER, drift.join("|"), ...pairs.map((p) => p.join("|"))], { uid: NOBODY, gid: NOBODY, stdio: ["ignore", "pipe", "inherit"] });
  attacker = child;
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`attacker exited ${code}`)));
  });
}

describe("a local user racing the root agent with symlinks", () => {
  it(`swapping managed paths for links to root-only files during ${CONVERGES} converges changes and leaks nothing`, async () => {
    const root = join(base, "root");
    const secretDir = join(base, "secret");
    mkdirOwned(secretDir, 0, 0o700);
    writeOwned(join(secretDir, "kojid.conf"), SECRET, 0, 0o600);
    writeOwned(join(secretDir, "shadow"), SECRET, 0, 0o600);
    mkdirOwned(join(root, "mnt/koji/work"), NOBODY, 0o755);
    fs.chownSync(join(root, "mnt/koji"), NOBODY, NOBODY);
    fs.chmodSync(join(root, "mnt"), 0o755);
    writeOwned(join(root, "mnt/koji/work/kojid.conf"), "drifted\n", NOBODY, 0o644);
    const data = join(root, "var/lib/pgsql/data");
    mkdirOwned(data, NOBODY, 0o700);
    for (const d of ["var", "var/lib", "var/lib/pgsql"]) fs.chmodSync(join(root, d), 0o755);
    writeOwned(join(data, "PG_VERSION"), "16\n", NOBODY, 0o600);
    writeOwned(join(data, "postgresql.conf"), "max_connections = 100\n", NOBODY, 0o600);
    writeOwned(join(data, "pg_hba.conf"), "local all all peer\n", NOBODY, 0o600);
    // The attacker's links, made by the attacker.
    for (const [target, link] of [
      [secretDir, join(root, "mnt/koji/evil")],
      [join(secretDir, "shadow"), join(data, "evil.conf")],
      [join(secretDir, "shadow"), join(data, "evil-hba")],
    ] as const) {
      fs.symlinkSync(target, link);
      fs.lchownSync(link, NOBODY, NOBODY);
    }
    const secretState = () =>
      [secretDir, join(secretDir, "kojid.conf"), join(secretDir, "shadow")].map((p) => {
        const st = fs.lstatSync(p);
        return { p, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, content: st.isFile() ? fs.readFileSync(p, "utf8") : null };
      });
    const before = secretState();

    const resources = [
      res("work", "directory", { path: "/mnt/koji/work", mode: "0755", owner: String(NOBODY), group: String(NOBODY) }),
      res("kojid-conf", "file", { path: "/mnt/koji/work/kojid.conf", content: "[kojid]\nmaxjobs=10\n", mode: "0644", owner: String(NOBODY) }, { requires: ["work"] }),
      res("pg", "postgres-cluster", { settings: { timezone: "UTC" }, hba: [{ type: "local", database: "koji", user: "koji", method: "peer" }] }),
    ];
    const exec = new RecordingExecutor((req) => (req.argv.join(" ") === "systemctl is-active --quiet postgresql" ? { exitCode: 3 } : undefined));
    await startAttacker([join(root, "mnt/koji/work"), join(root, "mnt/koji/work/kojid.conf"), join(data, "postgresql.conf"), join(data, "pg_hba.conf")], [
      [join(root, "mnt/koji/work"), join(root, "mnt/koji/evil")],
      [join(data, "postgresql.conf"), join(data, "evil.conf")],
      [join(data, "pg_hba.conf"), join(data, "evil-hba")],
    ]);

    const outcomes = new Map<string, number>();
    for (let i = 0; i < CONVERGES; i++) {
      const report = await converge(resources, options(root, { sandbox: false, exec, facts: EL10 }));
      for (const r of report.results) {
        const key = `${r.id}:${r.outcome}${r.errorCode ? `:${r.errorCode}` : ""}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
      expect(secretState()).toEqual(before);
    }
    attacker!.kill("SIGKILL");

    expect(filesContaining(root, SECRET)).toEqual([]);
    // The race was real: the agent both converged (wrote through the real objects) and refused links.
    const count = (id: string, outcome: string) => [...outcomes].filter(([k]) => k.startsWith(`${id}:${outcome}`)).reduce((n, [, v]) => n + v, 0);
    for (const id of ["work", "kojid-conf", "pg"]) expect(count(id, "changed"), `${id} never converged: ${JSON.stringify([...outcomes])}`).toBeGreaterThan(0);
    expect(count("kojid-conf", "failed:KF_ERR_UNSAFE_PATH") + count("work", "failed:KF_ERR_UNSAFE_PATH") + count("pg", "failed:KF_ERR_UNSAFE_PATH"), JSON.stringify([...outcomes])).toBeGreaterThan(0);
  }, 120_000);
});
