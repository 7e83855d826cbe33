// Koji content declared across fleet.yaml's koji.content and the files it includes, merged into
// one index in which every object remembers the file and path it came from, so a cross-check
// points at file:line:col of the right file. An object is declared once: a second declaration
// (in the same collection, in any file) is an error at the second.
import type { ConfigError, LocatedDocument, PathSegment } from "../../shared/yaml-config.js";
import { CONTENT_KEYS, type KojiContent } from "./koji-content-schema.js";

/** One document's content: fleet.yaml's (at koji.content) or an included file's (at its root). */
export interface ContentPart {
  readonly doc: LocatedDocument;
  readonly base: readonly PathSegment[];
  readonly content: KojiContent;
}

type Collection = Exclude<keyof KojiContent, "btypes">;
type ValueOf<K extends Collection> = NonNullable<KojiContent[K]>[string];

/** A declaration and where it is. */
export interface Declared<T> {
  readonly name: string;
  readonly value: T;
  readonly doc: LocatedDocument;
  /** Path of the value inside `doc`. */
  readonly path: readonly PathSegment[];
}

export type ContentIndex = { readonly [K in Collection]: ReadonlyMap<string, Declared<ValueOf<K>>> } & {
  readonly btypes: ReadonlyMap<string, Declared<string>>;
};

/** `file:line:col` of a declaration (or of a path inside it). */
export function whereIs(d: Declared<unknown>, sub: readonly PathSegment[] = []): string {
  const { line, col } = d.doc.locate([...d.path, ...sub], sub.length === 0);
  return `${d.doc.file}:${line}:${col}`;
}

/** An error at a path inside a declaration, worded like every cross-check: `/the/path: message`. */
export function errorAt(d: Declared<unknown>, sub: readonly PathSegment[], message: string, atKey = false): ConfigError {
  const path = [...d.path, ...sub];
  return d.doc.error(path, `/${path.join("/")}: ${message}`, atKey);
}

const COLLECTIONS = CONTENT_KEYS.filter((k): k is Collection => k !== "btypes");

export function indexContent(parts: readonly ContentPart[]): { index: ContentIndex; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const maps = Object.fromEntries(COLLECTIONS.map((k) => [k, new Map<string, Declared<unknown>>()])) as Record<Collection, Map<string, Declared<unknown>>>;
  const btypes = new Map<string, Declared<string>>();
  for (const part of parts) {
    for (const key of COLLECTIONS) {
      for (const [name, value] of Object.entries(part.content[key] ?? {})) {
        const d: Declared<unknown> = { name, value, doc: part.doc, path: [...part.base, key, name] };
        const first = maps[key].get(name);
        if (first) errors.push(errorAt(d, [], `${singular(key)} '${name}' is already declared at ${whereIs(first)}`, true));
        else maps[key].set(name, d);
      }
    }
    part.content.btypes?.forEach((name, i) => {
      if (!btypes.has(name)) btypes.set(name, { name, value: name, doc: part.doc, path: [...part.base, "btypes", i] });
    });
  }
  return { index: { ...maps, btypes } as unknown as ContentIndex, errors };
}

/** The merged content: every declaration once, in the order of the files. */
export function mergedContent(index: ContentIndex): KojiContent {
  const out: Record<string, unknown> = {};
  for (const key of COLLECTIONS) {
    if (index[key].size > 0) out[key] = Object.fromEntries([...index[key].values()].map((d) => [d.name, d.value]));
  }
  if (index.btypes.size > 0) out.btypes = [...index.btypes.keys()];
  return out as KojiContent;
}

export function singular(key: keyof KojiContent): string {
  return { external_repos: "external repo", tags: "tag", targets: "target", users: "user", channels: "channel", content_generators: "content generator", btypes: "btype" }[key];
}
