// npm run bench [-- NAME...]: runs the named benchmarks (all by default), one after another.
const ALL = ["commit-to-applied", "ansible", "agents-1000", "controller-1000", "nats-fanout", "agent-footprint", "enrollment", "soak"];
const names = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
for (const n of names) {
  if (!ALL.includes(n)) { console.error(`unknown benchmark ${n}; one of ${ALL.join(", ")}`); process.exit(2); }
}
for (const n of names) {
  console.log(`\n=== ${n} ===`);
  const mod = await import(`./${n}.mjs`);
  await mod.main();
}
process.exit(0);
