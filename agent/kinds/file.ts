// `file`: a regular file's content, mode and ownership, or its absence.
// Content changes are written atomically with mode and owner already set (never chmod after
// the rename); attribute-only drift is fixed in place, so the inode and content stay.
import { createHash } from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import { resolveUnderRoot, type FileStat } from "../providers/files.js";
import { AbsolutePath, Ensure, Mode, Principal, attributeChanges, describeType, wrongTypeError, desiredOwnership, fixAttributes, parseMode, requireParent, type Ownership } from "./common.js";
import type { Kind } from "./kind.js";

export const FilePropsSchema = Type.Object(
  {
    path: AbsolutePath,
    /** UTF-8 text. Without content or contentBase64 only existence, mode and owner are managed. */
    content: Type.Optional(Type.String()),
    // Strict base64: Node decodes sloppy input leniently and would write short content.
    contentBase64: Type.Optional(Type.String({ pattern: "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$" })),
    mode: Type.Optional(Mode),
    owner: Type.Optional(Principal),
    group: Type.Optional(Principal),
    ensure: Type.Optional(Ensure),
  },
  { additionalProperties: false },
);
export type FileProps = Static<typeof FilePropsSchema>;

export interface FileObserved {
  stat: FileStat | null;
  /** sha256 of the live content, when it is a regular file and content is managed. */
  sha256: string | null;
  want: Ownership;
}

const DEFAULT_MODE = "0644";

function desiredContent(props: FileProps): Buffer | null {
  if (props.content !== undefined && props.contentBase64 !== undefined) {
    throw new Error("set content or contentBase64, not both");
  }
  if (props.content !== undefined) return Buffer.from(props.content, "utf8");
  if (props.contentBase64 !== undefined) return Buffer.from(props.contentBase64, "base64");
  return null;
}

const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");
const short = (hash: string): string => `${hash.slice(0, 12)}…`;

/** What has to happen; diff describes it and apply does exactly it. */
interface Plan {
  lines: string[];
  action: "none" | "remove" | "write" | "attributes" | "refuse";
}

function plan(props: FileProps, obs: FileObserved): Plan {
  const { stat } = obs;
  if (props.ensure === "absent") {
    // A symlink at a file's path counts as the file: it is what readers of the path get.
    if (stat && (stat.type === "file" || stat.type === "symlink")) return { lines: ["present → absent"], action: "remove" };
    return { lines: [], action: "none" };
  }
  if (!stat) return { lines: ["absent → present"], action: "write" };
  // A symlink is never replaced silently nor followed: whoever put it there may want a root write through it.
  if (stat.type !== "file") return { lines: [`${describeType(stat)} → file`], action: "refuse" };
  const lines: string[] = [];
  const content = desiredContent(props);
  const rewrite = content !== null && obs.sha256 !== sha256(content);
  if (rewrite) lines.push(`content differs (sha256 ${short(obs.sha256 ?? "")} → ${short(sha256(content))})`);
  lines.push(...attributeChanges(stat, parseMode(props.mode ?? DEFAULT_MODE), obs.want));
  return { lines, action: rewrite ? "write" : lines.length > 0 ? "attributes" : "none" };
}

/**
 * The `file` props of a kind whose file content is derived (pem-bundle, secret-file):
 * private by default (0600) because such files hold keys or secrets.
 */
export function derivedFileProps(
  props: { path: string; mode?: string; owner?: string; group?: string; ensure?: "present" | "absent" },
  content: string | null,
): FileProps {
  return {
    path: props.path,
    mode: props.mode ?? "0600",
    ...(props.owner !== undefined && { owner: props.owner }),
    ...(props.group !== undefined && { group: props.group }),
    ...(props.ensure !== undefined && { ensure: props.ensure }),
    ...(content !== null && { content }),
  };
}

export const fileKind: Kind<FileProps, FileObserved> = {
  name: "file",
  schema: FilePropsSchema,
  appliesInSandbox: true,
  managedPath: (props) => props.path,

  async observe(props, ctx) {
    const full = resolveUnderRoot(ctx.root, props.path);
    const content = desiredContent(props); // fails early on content + contentBase64
    const stat = await ctx.files.lstat(full);
    let hash: string | null = null;
    if (stat?.type === "file" && content !== null && props.ensure !== "absent") {
      const live = await ctx.files.readFile(full);
      hash = live ? sha256(live) : null;
    }
    return { stat, sha256: hash, want: props.ensure === "absent" ? {} : await desiredOwnership(props, ctx) };
  },

  diff: (props, observed) => plan(props, observed).lines,

  async apply(props, observed, ctx) {
    const full = resolveUnderRoot(ctx.root, props.path);
    const { action } = plan(props, observed);
    const { stat, want } = observed;
    const mode = parseMode(props.mode ?? DEFAULT_MODE);
    switch (action) {
      case "none":
        return;
      case "remove":
        return ctx.files.unlink(full);
      case "refuse":
        throw wrongTypeError(props.path, stat!, "file");
      case "attributes":
        return fixAttributes(full, stat!, mode, want, ctx);
      case "write": {
        if (!stat) await requireParent(props.path, ctx);
        // When owner/group are not managed, a replaced file keeps its current ones
        // (outside sandbox): rewriting content must not hand a file over to root.
        const keep = stat && !ctx.sandbox ? stat : undefined;
        // Without managed content a write only happens for a missing file: start empty.
        const data = desiredContent(props) ?? Buffer.alloc(0);
        return ctx.files.writeFileAtomic(full, data, { mode, uid: want.uid ?? keep?.uid, gid: want.gid ?? keep?.gid });
      }
    }
  },
};
