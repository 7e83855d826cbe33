// Types of packaging/dashboard.mjs for the TypeScript that imports it (vitest.config.ts, tests).
import type { Plugin as EsbuildPlugin } from "esbuild";
import type { Plugin as VitePlugin } from "vitest/config";

export declare const SOURCE_DIR: string;
export declare const ENTRY: string;
export declare const BUNDLE_MODULE: string;
export declare function buildDashboardScript(opts?: { root?: string; entry?: string }): Promise<{ text: string; inputs: string[] }>;
export declare function bundleModule(text: string): string;
export declare function dashboardEsbuildPlugin(opts?: { root?: string }): EsbuildPlugin;
export declare function dashboardVitePlugin(opts?: { root?: string }): VitePlugin;
