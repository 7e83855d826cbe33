// npm run bench [-- NAME...]: runs the named benchmarks (all by default), one after another,
// each in a node process of its own: what one leaves on the heap must not weigh on the next
// one's memory figures (the soak's heap read 67 MB after the others, 16 MB alone).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ALL = ["commit-to-applied", "ansible", "agents-1000", "controller-1000", "controller-10000", "nats-fanout", "agent-footprint", "enrollment", "soak", "api-latency"];
const names = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
for (const n of names) {
  if (!ALL.includes(n)) { console.error(`unknown benchmark ${n}; one of ${ALL.join(", ")}`); process.exit(2); }
}
if (names.length === 1) {
  console.log(`\n=== ${names[0]} ===`);
  const mod = await import(`./${names[0]}.mjs`);
  await mod.main();
  process.exit(0);
}
for (const n of names) {
  const { status } = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), n], { stdio: "inherit" });
  if (status !== 0) process.exit(status ?? 1);
}
