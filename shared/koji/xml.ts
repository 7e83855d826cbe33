// The little XML that XML-RPC needs: elements, text, the five predefined entities, character
// references, CDATA, comments and the XML declaration. No npm XML parser is a dependency, and
// XML-RPC has no attributes, namespaces or mixed content worth more than this (attributes are
// checked for syntax and dropped).
// DOCTYPE is refused outright: entity expansion is how XML bombs work, and the hub never sends
// one (koji patches its own parser with defusedxml for the same reason).

export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  /** Character data directly inside this element (entities decoded), concatenated. */
  text: string;
}

export class XmlSyntaxError extends Error {
  override name = "XmlSyntaxError";
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;
const ATTRIBUTES = /^(?:\s+[^\s=>/"']+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*$/;
const REFERENCE = /&([^;&<\s]*)(;?)/g;
const NAMED: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(raw: string): string {
  return raw.replace(REFERENCE, (_m, ref: string, semicolon: string) => {
    if (ref === "" || semicolon === "") throw new XmlSyntaxError(`bare '&' in ${JSON.stringify(raw.slice(0, 40))}`);
    const named = NAMED[ref];
    if (named !== undefined) return named;
    const num = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(ref);
    if (!num) throw new XmlSyntaxError(`unknown entity &${ref};`);
    const code = num[1] !== undefined ? parseInt(num[1], 16) : parseInt(num[2]!, 10);
    if (code > 0x10ffff) throw new XmlSyntaxError(`character reference out of range: &${ref};`);
    return String.fromCodePoint(code);
  });
}

/** Parses a document with exactly one root element and returns that element. */
export function parseXml(xml: string): XmlElement {
  const doc: XmlElement = { name: "#document", children: [], text: "" };
  const stack: XmlElement[] = [doc];
  const top = (): XmlElement => stack[stack.length - 1] as XmlElement;
  const skipPast = (marker: string, from: number): number => {
    const at = xml.indexOf(marker, from);
    if (at === -1) throw new XmlSyntaxError(`unterminated construct: no '${marker}' after offset ${from}`);
    return at + marker.length;
  };
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const end = lt === -1 ? xml.length : lt;
    // XML parsers normalise line ends; a literal CR in a value arrives as &#13;.
    if (end > i) top().text += decodeEntities(xml.slice(i, end).replace(/\r\n?/g, "\n"));
    if (lt === -1) break;
    if (xml.startsWith("<?", lt)) {
      i = skipPast("?>", lt);
    } else if (xml.startsWith("<!--", lt)) {
      i = skipPast("-->", lt);
    } else if (xml.startsWith("<![CDATA[", lt)) {
      i = skipPast("]]>", lt);
      top().text += xml.slice(lt + 9, i - 3);
    } else if (xml.startsWith("<!", lt)) {
      throw new XmlSyntaxError(`malformed XML at offset ${lt}: DOCTYPE and other declarations are not accepted`);
    } else {
      i = skipPast(">", lt);
      const tag = xml.slice(lt + 1, i - 1);
      if (tag.startsWith("/")) {
        const name = tag.slice(1).trim();
        const open = stack.pop();
        if (!open || open === doc) throw new XmlSyntaxError(`</${name}> closes nothing`);
        if (open.name !== name) throw new XmlSyntaxError(`</${name}> closes <${open.name}>`);
      } else {
        const selfClosing = tag.endsWith("/");
        const body = selfClosing ? tag.slice(0, -1) : tag;
        const name = body.split(/\s/, 1)[0] ?? "";
        if (!NAME.test(name)) throw new XmlSyntaxError(`malformed XML at offset ${lt}: bad element name ${JSON.stringify(name)}`);
        if (!ATTRIBUTES.test(body.slice(name.length))) throw new XmlSyntaxError(`malformed XML at offset ${lt}: bad attributes in <${name}>`);
        const el: XmlElement = { name, children: [], text: "" };
        top().children.push(el);
        if (!selfClosing) stack.push(el);
      }
    }
  }
  if (stack.length !== 1) throw new XmlSyntaxError(`<${top().name}> not closed`);
  const [root, ...rest] = doc.children;
  if (!root || rest.length > 0) throw new XmlSyntaxError(`not one root element but ${doc.children.length}: a document needs exactly one root element`);
  if (doc.text.trim() !== "") throw new XmlSyntaxError("not one root element: text outside it");
  return root;
}
