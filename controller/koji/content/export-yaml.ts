// The export as a file for `koji.content.include`: a header saying where and when it was read
// and what it leaves out, then the declarations. Short entries (a parent, an external repo of a
// tag, a package, a target, a user) are one line each, lists of names one name a line, so a
// later change is a one-line diff in git.
import { Document, isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import type { KojiContent } from "../../config/koji-content-schema.js";
import { exportedContent, leftOut, type ExportOptions } from "./export.js";
import type { ObservedContent } from "./observed.js";

export interface ExportHeader {
  /** Where it was read, e.g. `https://koji.example/kojihub (koji profile "koji")`. */
  readonly source: string;
  /** When, as an ISO 8601 time. */
  readonly at: string;
}

/** Paths (keys, `*` for a name, `-` for a list item) whose value is written on one line. */
const ONE_LINE = [
  "targets.*",
  "users.*",
  "channels.*",
  "content_generators.*",
  "tags.*.arches",
  "tags.*.inheritance.-",
  "tags.*.external_repos.-",
  "tags.*.groups.-.packages.-",
  "tags.*.packages.-",
  "btypes",
];

const matches = (path: readonly string[], pattern: string): boolean => {
  const parts = pattern.split(".");
  return parts.length === path.length && parts.every((p, i) => p === "*" || p === path[i]);
};

/** Sets `flow` on the collections ONE_LINE names. `path` holds map keys as `*` below a name-keyed map. */
function style(node: Node | null, path: string[]): void {
  if (isMap(node)) {
    if (ONE_LINE.some((p) => matches(path, p))) node.flow = true;
    // Maps keyed by Koji names: the top-level families and `tags.*`; every other map has fixed keys.
    const named = path.length === 1 && path[0] !== "btypes";
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      style(pair.value as Node | null, [...path, named ? "*" : String(pair.key.value)]);
    }
  } else if (isSeq(node)) {
    if (ONE_LINE.some((p) => matches(path, p))) node.flow = true;
    for (const item of node.items) style(item as Node | null, [...path, "-"]);
  }
}

/** The header's comment lines (without `#`). */
export function exportHeader(h: ExportHeader, kojiraUser: string): string[] {
  return [
    ` Koji content exported by \`koji-fleet koji export\` from ${h.source}`,
    ` at ${h.at}.`,
    " Add it to fleet.yaml's koji.content.include (e.g. koji/*.yaml): converging it changes nothing.",
    " Only what differs from Koji's defaults is written. Left out:",
    ...leftOut(kojiraUser).map((l) => `   - ${l}`),
  ];
}

/** The YAML text of a content file. */
export function contentYaml(content: KojiContent, header: readonly string[]): string {
  const doc = new Document(content);
  style(doc.contents as Node | null, []);
  doc.commentBefore = header.join("\n");
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** The hub's content as a file for `koji.content.include`. */
export function exportYaml(observed: ObservedContent, opts: ExportOptions & ExportHeader): string {
  return contentYaml(exportedContent(observed, opts), exportHeader(opts, opts.kojiraUser));
}
