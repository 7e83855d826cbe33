// Which lane runs each test file. vitest.config.ts builds its projects from these lists,
// test/lanes.test.ts checks that every *.test.ts is in exactly one lane, and the unit lane's
// setup file (test/support/unit-guard.ts) fails a test that runs a process or opens a socket.
//
//   unit  the default: pure code, temp files at most. `npm run test:unit`, seconds.
//   int   one real component: nats-server, git, PostgreSQL, httpd, rpm/dnf, openssl, a child
//         process or a local socket. `npm run test:int`.
//   e2e   a whole fleet (test/support/fleet.ts, `koji-fleet up`), systemd-nspawn, Chromium, the
//         scenarios of test/scenarios/. `npm run test:e2e`.
//   koji  test/koji/: its own config (vitest.koji.config.ts), `npm run test:koji`.
//
// A new test is unit until it needs more; then add its path here (a path ending in "/" takes
// every test under that folder). Keep each list sorted.

export type Lane = "unit" | "int" | "e2e" | "koji";

/** Where test files live (vitest.config.ts's include). */
export const TEST_ROOTS = ["shared/", "controller/", "agent/", "cli/", "test/"];

export const KOJI = ["test/koji/"];

export const INTEGRATION = [
  "agent/csr.test.ts",
  "agent/engine/converge-mounts.test.ts",
  "agent/engine/converge-notify-prune.test.ts",
  "agent/engine/converge.test.ts",
  "agent/kinds/exec.test.ts",
  "agent/kinds/group.test.ts",
  "agent/kinds/package.test.ts",
  "agent/kinds/pem-bundle.test.ts",
  "agent/kinds/postgres/cluster.test.ts",
  "agent/kinds/postgres/database.test.ts",
  "agent/kinds/postgres/role.test.ts",
  "agent/kinds/postgres/sql.test.ts",
  "agent/kinds/user.test.ts",
  "agent/pem-cache.test.ts",
  "agent/probes/exec-probes.test.ts",
  "agent/probes/http.test.ts",
  "agent/probes/postgres-login.test.ts",
  "agent/probes/xmlrpc.test.ts",
  "agent/providers/executor.test.ts",
  "agent/providers/files.test.ts",
  "agent/providers/local-paths.test.ts",
  "agent/providers/postgres.test.ts",
  "agent/providers/safe-walk.test.ts",
  "agent/sd-notify.test.ts",
  "cli/api-client.test.ts",
  "cli/commands/koji.test.ts",
  "cli/commands/nats-config.test.ts",
  "cli/commands/plan.test.ts",
  "controller/ca/authority.test.ts",
  "controller/ca/enrollment.test.ts",
  "controller/ca/revocation.test.ts",
  "controller/controller.test.ts",
  "controller/fleet/fleet-at-revision.test.ts",
  "controller/fleet/publisher.test.ts",
  "controller/git/cat-file.test.ts",
  "controller/git/source.test.ts",
  "controller/http/tls.test.ts",
  "controller/koji/content-sync.test.ts",
  "controller/koji/content/apply.test.ts",
  "controller/koji/content/read.test.ts",
  "controller/koji/converge.test.ts",
  "controller/nats/",
  "shared/http-request.test.ts",
  "shared/koji/session.test.ts",
  "shared/nats.test.ts",
  "shared/yaml-strings.test.ts",
  "test/agent-bundle.test.ts",
  "test/certificates.test.ts",
  "test/cli-init.test.ts",
  "test/command-subject.test.ts",
  "test/crl-apache.test.ts",
  "test/database-role.test.ts",
  "test/desired-delivery.test.ts",
  "test/lookaside-sources.test.ts",
  "test/packaging.test.ts",
  "test/support/nats.test.ts",
  "test/symlink-race.test.ts",
];

export const END_TO_END = [
  "cli/up/sandbox-fleet.test.ts",
  "test/agent-systemd.test.ts",
  "test/ca-issue.test.ts",
  "test/catalog-security.test.ts",
  "test/certificate-renewal.test.ts",
  "test/cli-daily.test.ts",
  "test/cli-failures.test.ts",
  "test/cli.test.ts",
  "test/cloud-init.test.ts",
  "test/converge-retry.test.ts",
  "test/crl-refresh.test.ts",
  "test/dashboard-bundle.test.ts",
  "test/dashboard.test.ts",
  "test/drift.test.ts",
  "test/enrollment.test.ts",
  "test/fleet-loop.test.ts",
  "test/koji-registration.test.ts",
  "test/live-plan.test.ts",
  "test/nats-authorization.test.ts",
  "test/pin.test.ts",
  "test/probe-startup.test.ts",
  "test/retire.test.ts",
  "test/rollout.test.ts",
  "test/scenarios/",
  "test/secret-set.test.ts",
  "test/secrets.test.ts",
  "test/systemd-container.test.ts",
];

/** A list entry as a vitest glob: a folder takes every test under it. */
export const globsOf = (entries: readonly string[]): string[] => entries.map((e) => (e.endsWith("/") ? `${e}**/*.test.ts` : e));

const within = (file: string, entries: readonly string[]) => entries.some((e) => (e.endsWith("/") ? file.startsWith(e) : file === e));

/** Every lane whose list takes this repo-relative test file (more than one is an error). */
export function lanesOf(file: string): Lane[] {
  const lanes: Lane[] = [];
  if (within(file, KOJI)) lanes.push("koji");
  if (within(file, INTEGRATION)) lanes.push("int");
  if (within(file, END_TO_END)) lanes.push("e2e");
  return lanes.length > 0 ? lanes : ["unit"];
}
