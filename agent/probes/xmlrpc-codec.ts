// A small XML-RPC codec of our own, pure (no I/O): what the xmlrpc probe sends to a Koji hub
// and reads back. Koji's extensions are covered: `<nil/>` for None (its marshaller runs with
// allow_none) and `<i8>` for integers beyond 32 bits. dateTime.iso8601 and base64 stay strings
// (their text): a probe compares them, it does not compute with them. Integers beyond 2^53
// lose precision, which Koji's ids and timestamps never reach.
export type XmlRpcValue = null | boolean | number | string | XmlRpcValue[] | { [key: string]: XmlRpcValue };

export class XmlRpcFault extends Error {
  override name = "XmlRpcFault";
  constructor(
    readonly faultCode: number,
    readonly faultString: string,
  ) {
    super(`fault ${faultCode}: ${faultString}`);
  }
}

// ---- encoding --------------------------------------------------------------------------

const escapeText = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const INT32 = 2 ** 31;

export function encodeValue(v: unknown): string {
  if (v === null || v === undefined) return "<value><nil/></value>";
  if (typeof v === "boolean") return `<value><boolean>${v ? 1 : 0}</boolean></value>`;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`XML-RPC cannot carry ${v}`);
    if (!Number.isInteger(v)) return `<value><double>${v}</double></value>`;
    return v >= -INT32 && v < INT32 ? `<value><int>${v}</int></value>` : `<value><i8>${v}</i8></value>`;
  }
  if (typeof v === "string") return `<value><string>${escapeText(v)}</string></value>`;
  if (Array.isArray(v)) return `<value><array><data>${v.map(encodeValue).join("")}</data></array></value>`;
  if (typeof v === "object") {
    const members = Object.entries(v).map(([k, x]) => `<member><name>${escapeText(k)}</name>${encodeValue(x)}</member>`);
    return `<value><struct>${members.join("")}</struct></value>`;
  }
  throw new Error(`XML-RPC cannot carry a ${typeof v}`);
}

const params = (values: readonly unknown[]): string => `<params>${values.map((v) => `<param>${encodeValue(v)}</param>`).join("")}</params>`;

export const encodeCall = (method: string, args: readonly unknown[]): string =>
  `<?xml version="1.0"?>\n<methodCall><methodName>${escapeText(method)}</methodName>${params(args)}</methodCall>\n`;

export const encodeResponse = (value: unknown): string => `<?xml version="1.0"?>\n<methodResponse>${params([value])}</methodResponse>\n`;

export const encodeFault = (faultCode: number, faultString: string): string =>
  `<?xml version="1.0"?>\n<methodResponse><fault>${encodeValue({ faultCode, faultString })}</fault></methodResponse>\n`;

// ---- a minimal XML reader ----------------------------------------------------------------

interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&([^;]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(";")) throw new Error(`malformed XML: bare '&'`);
    if (ENTITIES[ref] !== undefined) return ENTITIES[ref];
    const m = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(ref);
    if (!m) throw new Error(`malformed XML: unknown entity &${ref};`);
    return String.fromCodePoint(m[1]!.startsWith("x") ? parseInt(m[1]!.slice(1), 16) : parseInt(m[1]!, 10));
  });
}

// Declarations, comments, CDATA, tags (with attributes), and text. No DOCTYPE: XML-RPC has
// none, and refusing it rules out entity expansion tricks.
const TOKEN = /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/y;

function parseXml(xml: string): XmlNode {
  const root: XmlNode = { name: "#document", children: [], text: "" };
  const stack = [root];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < xml.length && (m = TOKEN.exec(xml))) {
    const top = stack[stack.length - 1]!;
    const [, cdata, close, name, , selfClose, text, stray] = m;
    if (stray !== undefined) throw new Error(`malformed XML at offset ${m.index}`);
    if (cdata !== undefined) top.text += cdata;
    else if (text !== undefined) top.text += decodeEntities(text);
    else if (name !== undefined && close) {
      if (top.name !== name) throw new Error(`malformed XML: </${name}> closes <${top.name}>`);
      stack.pop();
    } else if (name !== undefined) {
      const node: XmlNode = { name, children: [], text: "" };
      top.children.push(node);
      if (!selfClose) stack.push(node);
    }
  }
  if (stack.length !== 1) throw new Error(`malformed XML: <${stack[stack.length - 1]!.name}> not closed`);
  if (root.children.length !== 1 || root.text.trim() !== "") throw new Error("malformed XML: not one root element");
  return root.children[0]!;
}

// ---- decoding ----------------------------------------------------------------------------

const local = (name: string): string => name.replace(/^[\w.-]+:/, ""); // <ex:nil/> (Apache XML-RPC) = <nil/>
const child = (n: XmlNode, name: string): XmlNode => {
  const c = n.children.find((x) => local(x.name) === name);
  if (!c) throw new Error(`<${n.name}> has no <${name}>`);
  return c;
};

function decodeValue(v: XmlNode): XmlRpcValue {
  if (v.children.length === 0) return v.text; // a bare <value>text</value> is a string
  if (v.children.length > 1) throw new Error("<value> holds more than one element");
  const t = v.children[0]!;
  const text = t.text;
  switch (local(t.name)) {
    case "int":
    case "i4":
    case "i8":
      if (!/^\s*[+-]?\d+\s*$/.test(text)) throw new Error(`<${t.name}> is not an integer: ${JSON.stringify(text)}`);
      return parseInt(text, 10);
    case "boolean":
      if (!/^\s*[01]\s*$/.test(text)) throw new Error(`<boolean> is not 0 or 1: ${JSON.stringify(text)}`);
      return text.trim() === "1";
    case "double": {
      const d = Number(text);
      if (text.trim() === "" || Number.isNaN(d)) throw new Error(`<double> is not a number: ${JSON.stringify(text)}`);
      return d;
    }
    case "string":
    case "dateTime.iso8601":
      return text;
    case "base64":
      return text.replace(/\s+/g, "");
    case "nil":
      return null;
    case "array":
      return child(t, "data").children.map((x) => decodeValue(x));
    case "struct": {
      const out: Record<string, XmlRpcValue> = {};
      for (const m of t.children) out[child(m, "name").text] = decodeValue(child(m, "value"));
      return out;
    }
    default:
      throw new Error(`unknown XML-RPC type <${t.name}>`);
  }
}

const onlyParam = (n: XmlNode): XmlRpcValue[] => child(n, "params").children.map((p) => decodeValue(child(p, "value")));

/** A methodResponse's value; a fault rejects as XmlRpcFault. */
export function decodeResponse(xml: string): XmlRpcValue {
  const doc = parseXml(xml);
  if (doc.name !== "methodResponse") throw new Error(`expected <methodResponse>, got <${doc.name}>`);
  if (doc.children[0]?.name === "fault") {
    const f = decodeValue(child(doc.children[0], "value"));
    const s = f !== null && typeof f === "object" && !Array.isArray(f) ? f : {};
    throw new XmlRpcFault(typeof s.faultCode === "number" ? s.faultCode : 0, typeof s.faultString === "string" ? s.faultString : JSON.stringify(f));
  }
  const values = onlyParam(doc);
  if (values.length !== 1) throw new Error(`a methodResponse carries one value, got ${values.length}`);
  return values[0]!;
}

/** A methodCall (the test hub's side). */
export function decodeCall(xml: string): { method: string; params: XmlRpcValue[] } {
  const doc = parseXml(xml);
  if (doc.name !== "methodCall") throw new Error(`expected <methodCall>, got <${doc.name}>`);
  const params = doc.children.some((c) => c.name === "params") ? onlyParam(doc) : [];
  return { method: child(doc, "methodName").text.trim(), params };
}
