// Types of packaging/bundle-meta.mjs for the TypeScript that imports it (tests).
export interface Metafile {
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown>; entryPoint?: string }>;
}
export declare function commandClosure(metafile: Metafile, entryPoint: string): { chunks: string[]; inputs: string[]; builtins: string[] };
