// A structural reader of httpd configuration, for tests and `plan`: sections must balance, and
// every directive is reported with the sections it sits in, so a test can say "SSLVerifyClient
// appears only directly inside <VirtualHost>" rather than grep for a string.

export interface Directive {
  readonly name: string;
  readonly args: string;
  /** Enclosing sections, outermost first, e.g. ["VirtualHost _default_:443", "Location /koji/login"]. */
  readonly within: readonly string[];
  readonly line: number;
}

export interface HttpdStructure {
  readonly directives: readonly Directive[];
  /** Section names opened, with arguments, in order. */
  readonly sections: readonly string[];
  readonly errors: readonly string[];
}

export function httpdStructure(text: string): HttpdStructure {
  const directives: Directive[] = [];
  const sections: string[] = [];
  const errors: string[] = [];
  const stack: { name: string; label: string }[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const close = /^<\/([A-Za-z]+)\s*>$/.exec(line);
    if (close) {
      const top = stack.pop();
      if (!top || top.name.toLowerCase() !== close[1]!.toLowerCase()) errors.push(`line ${i + 1}: </${close[1]}> closes ${top ? `<${top.name}>` : "nothing"}`);
      return;
    }
    const open = /^<([A-Za-z]+)(\s+[^>]*)?>$/.exec(line);
    if (open) {
      const label = `${open[1]}${open[2] ? ` ${open[2].trim()}` : ""}`;
      if (!open[2]) errors.push(`line ${i + 1}: <${open[1]}> without arguments`);
      stack.push({ name: open[1]!, label });
      sections.push(label);
      return;
    }
    if (line.startsWith("<")) {
      errors.push(`line ${i + 1}: malformed section ${line}`);
      return;
    }
    const [name = "", ...rest] = line.split(/\s+/);
    directives.push({ name, args: rest.join(" "), within: stack.map((s) => s.label), line: i + 1 });
  });
  for (const open of stack) errors.push(`<${open.name}> is never closed`);
  return { directives, sections, errors };
}

/** The directives named `name` (case-insensitive, as httpd reads them). */
export const directivesNamed = (s: HttpdStructure, name: string): Directive[] => s.directives.filter((d) => d.name.toLowerCase() === name.toLowerCase());
