// `hosts-entries`: names of the farm in a marked block of /etc/hosts (`ADDRESS NAME…` lines
// between `# BEGIN koji-fleet` and `# END koji-fleet`), so URLs, DBHost and the NFS mount
// resolve without DNS. Every other line stays exactly as it is: the distribution's localhost
// lines and whatever an admin or cloud-init added are not ours.
import { Type, type Static } from "@sinclair/typebox";
import { resolveUnderRoot } from "../providers/files.js";
import { AbsolutePath, Ensure, requireParent } from "./common.js";
import type { Kind, KindContext } from "./kind.js";
import { findBlock, removeBlock, spliceBlock, splitLines } from "./managed-block.js";

// hosts(5): letters, digits, hyphens and dots.
const HostName = Type.String({ pattern: "^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$" });
const Entry = Type.Object(
  {
    address: Type.String({ pattern: "^[0-9A-Fa-f.:]{2,45}$" }),
    /** Canonical name first (the FQDN), then aliases (the short name). */
    names: Type.Array(HostName, { minItems: 1, maxItems: 16 }),
  },
  { additionalProperties: false },
);

export const HostsEntriesPropsSchema = Type.Object(
  {
    /** Default /etc/hosts. */
    path: Type.Optional(AbsolutePath),
    entries: Type.Optional(Type.Array(Entry, { maxItems: 1000 })),
    /** absent: the block goes, every other line stays. */
    ensure: Type.Optional(Ensure),
  },
  { additionalProperties: false },
);
export type HostsEntriesProps = Static<typeof HostsEntriesPropsSchema>;
type HostsEntry = Static<typeof Entry>;

export interface HostsEntriesObserved {
  /** null when the file does not exist. */
  text: string | null;
}

const pathOf = (p: HostsEntriesProps): string => p.path ?? "/etc/hosts";
const render = (e: HostsEntry): string => [e.address, ...e.names].join(" ");
const isEntry = (line: string): boolean => line.trim() !== "" && !line.trimStart().startsWith("#");
const fields = (line: string): string[] => line.replace(/#.*/, "").trim().split(/\s+/);

/** The file as it should be, or null when it already is (or is absent and should have no block). */
function wanted(p: HostsEntriesProps, text: string | null): string | null {
  if (p.ensure === "absent") {
    const next = removeBlock(text ?? "", pathOf(p));
    return next === (text ?? "") ? null : next;
  }
  const next = spliceBlock(text ?? "", pathOf(p), (p.entries ?? []).map(render));
  return next === text ? null : next;
}

function plan(p: HostsEntriesProps, o: HostsEntriesObserved): string[] {
  if (wanted(p, o.text) === null) return [];
  const file = pathOf(p);
  const have = (findBlock(splitLines(o.text ?? ""), file)?.body ?? []).filter(isEntry).map((l) => fields(l).join(" "));
  const want = p.ensure === "absent" ? [] : (p.entries ?? []).map(render);
  const lines = [...have.filter((e) => !want.includes(e)).map((e) => `${file}: - ${e}`), ...want.filter((e) => !have.includes(e)).map((e) => `${file}: + ${e}`)];
  if (o.text === null) lines.unshift(`${file}: absent → present`);
  if (lines.length === 0) lines.push(`${file}: ${p.ensure === "absent" ? "remove" : "rewrite"} the koji-fleet block`);
  return lines;
}

/** A name twice would resolve to whichever line the resolver reads first: refused, never guessed. */
function checkEntries(p: HostsEntriesProps): void {
  const seen = new Map<string, string>();
  for (const e of p.entries ?? []) {
    for (const n of e.names.map((x) => x.toLowerCase())) {
      const first = seen.get(n);
      if (first !== undefined) throw new Error(`name ${n} is listed for ${first} and ${e.address}`);
      seen.set(n, e.address);
    }
  }
}

/**
 * Lines outside the block that give one of our names another address. glibc returns them
 * too (first match, or every match with `multi on`), so they are worth a warning; they are
 * not ours to change.
 */
export function conflictingLines(text: string, p: HostsEntriesProps): string[] {
  const ours = new Map((p.entries ?? []).flatMap((e) => e.names.map((n) => [n.toLowerCase(), e.address] as const)));
  const lines = splitLines(text);
  const block = findBlock(lines, pathOf(p));
  return lines.flatMap((line, i) => {
    if ((block && i >= block.begin && i <= block.end) || !isEntry(line)) return [];
    const [address, ...names] = fields(line);
    return names.some((n) => ours.has(n.toLowerCase()) && ours.get(n.toLowerCase()) !== address) ? [`line ${i + 1}: ${line.trim()}`] : [];
  });
}

// A symlink at the path is refused by readFile (KF_ERR_UNSAFE_PATH), never followed.
const read = async (p: HostsEntriesProps, ctx: KindContext): Promise<string | null> => (await ctx.files.readFile(resolveUnderRoot(ctx.root, pathOf(p))))?.toString("utf8") ?? null;

export const hostsEntriesKind: Kind<HostsEntriesProps, HostsEntriesObserved> = {
  name: "hosts-entries",
  schema: HostsEntriesPropsSchema,
  appliesInSandbox: true,
  summary: (p) => (p.ensure === "absent" ? `no koji-fleet block in ${pathOf(p)}` : `${p.entries?.length ?? 0} entries in ${pathOf(p)}`),

  async observe(p, ctx) {
    checkEntries(p);
    const text = await read(p, ctx);
    if (text !== null) findBlock(splitLines(text), pathOf(p)); // broken markers fail observe
    const conflicts = text === null || p.ensure === "absent" ? [] : conflictingLines(text, p);
    if (conflicts.length > 0) ctx.log.warn({ path: pathOf(p), conflicts }, "hosts file lines outside the koji-fleet block give farm names other addresses");
    return { text };
  },

  diff: plan,

  async apply(p, _observed, ctx) {
    const full = resolveUnderRoot(ctx.root, pathOf(p));
    // Read again: an edit outside the block since observe is kept, not overwritten.
    const next = wanted(p, await read(p, ctx));
    if (next === null) return;
    const stat = await ctx.files.lstat(full);
    if (!stat) await requireParent(pathOf(p), ctx);
    // The file keeps its mode and owner (sandbox: ownership is not managed).
    const keep = stat && !ctx.sandbox ? stat : undefined;
    await ctx.files.writeFileAtomic(full, next, { mode: stat?.mode ?? 0o644, uid: keep?.uid, gid: keep?.gid });
  },
};
