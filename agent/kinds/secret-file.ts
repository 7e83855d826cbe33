// `secret-file`: a file whose content embeds secrets, e.g. hub.conf.d's DBPass or kojiweb's
// Secret. The catalog carries a template with {{secret:NAME}} placeholders, never the values;
// they come from the host's secret source at observe. The file is converged by the `file`
// kind, whose reports name content only by digest.
import { Type, type Static } from "@sinclair/typebox";
import { AbsolutePath, Ensure, Mode, Principal } from "./common.js";
import { derivedFileProps, fileKind, type FileObserved } from "./file.js";
import type { Kind, KindContext } from "./kind.js";

export const SecretFilePropsSchema = Type.Object(
  {
    path: AbsolutePath,
    template: Type.String({ pattern: "\\{\\{secret:[a-z0-9][a-z0-9._-]*\\}\\}" }),
    /** Default 0600: the file holds a secret. */
    mode: Type.Optional(Mode),
    owner: Type.Optional(Principal),
    group: Type.Optional(Principal),
    ensure: Type.Optional(Ensure),
  },
  { additionalProperties: false },
);
export type SecretFileProps = Static<typeof SecretFilePropsSchema>;

const PLACEHOLDER = /\{\{secret:([a-z0-9][a-z0-9._-]*)\}\}/g;

export const secretNames = (template: string): string[] => [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))];

async function render(template: string, ctx: KindContext): Promise<string> {
  const values = new Map<string, string>();
  for (const name of secretNames(template)) {
    const value = await ctx.secrets.get(name);
    if (/[\r\n]/.test(value)) throw new Error(`secret '${name}' contains a line break, which would break the file's syntax`);
    values.set(name, value);
  }
  return template.replace(PLACEHOLDER, (_m, name: string) => values.get(name)!);
}


export interface SecretFileObserved {
  content: string | null;
  file: FileObserved;
}

export const secretFileKind: Kind<SecretFileProps, SecretFileObserved> = {
  name: "secret-file",
  schema: SecretFilePropsSchema,
  appliesInSandbox: true,
  managedPath: (props) => props.path,
  summary: (props) => `${props.path} with secrets ${secretNames(props.template).join(", ")}`,

  async observe(props, ctx) {
    const content = props.ensure === "absent" ? null : await render(props.template, ctx);
    return { content, file: await fileKind.observe(derivedFileProps(props, content), ctx) };
  },
  diff: (props, observed) => fileKind.diff(derivedFileProps(props, observed.content), observed.file),
  apply: (props, observed, ctx) => fileKind.apply(derivedFileProps(props, observed.content), observed.file, ctx),
};
