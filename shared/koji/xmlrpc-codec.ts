// XML-RPC as Koji speaks it, pure (no I/O): encode and decode calls, responses and faults, for
// the Koji client (xmlrpc-post.ts, session.ts) and the fake hub of the tests. Koji extends plain
// XML-RPC with <nil/> (allow_none) and <i8>, and passes Python keyword arguments as a trailing
// struct marked `__starstar: true` (koji/__init__.py encode_args). dateTime.iso8601 and base64
// decode to their text: a probe compares them, nothing computes with them.
import { FleetError, type ErrorCode } from "../errors.js";
import { parseXml, type XmlElement } from "./xml.js";

/** Forces <double> for a whole number (a JS number that is an integer encodes as <int>). */
export class XmlRpcDouble {
  constructor(readonly value: number) {}
}

/** What can be sent. */
export type XmlRpcValue = null | boolean | number | string | Date | XmlRpcDouble | readonly XmlRpcValue[] | XmlRpcStruct;
export interface XmlRpcStruct {
  readonly [key: string]: XmlRpcValue | undefined;
}
/** What comes back: plain JSON-like data. */
export type XmlRpcResult = null | boolean | number | string | XmlRpcResult[] | { [key: string]: XmlRpcResult };

/** Python keyword arguments: Koji's hub pops a trailing struct with __starstar into **kwargs. */
export const kwargs = (opts: XmlRpcStruct): XmlRpcStruct => ({ ...opts, __starstar: true });

/** Koji's fault codes (koji/__init__.py exception classes) that callers act on. */
export const KOJI_FAULT = {
  GenericError: 1000,
  AuthError: 1002,
  ActionNotAllowed: 1004,
  AuthExpired: 1007,
  SequenceError: 1008,
  RetryError: 1009,
  ServerOffline: 1014,
  ParameterError: 1019,
  GSSAPIAuthError: 1023,
} as const;

const AUTH_FAULTS: ReadonlySet<number> = new Set([1002, 1006, 1007, 1008, 1009, 1023]);
function catalogueCode(faultCode: number): ErrorCode {
  if (AUTH_FAULTS.has(faultCode)) return "KF_ERR_UNAUTHORIZED";
  if (faultCode === KOJI_FAULT.ActionNotAllowed) return "KF_ERR_FORBIDDEN";
  if (faultCode === KOJI_FAULT.ServerOffline) return "KF_ERR_NOT_READY";
  return "KF_ERR_RESOURCE";
}

/** The hub answered with an XML-RPC fault: the call reached Koji and Koji said no. */
export class KojiFault extends FleetError {
  override name = "KojiFault";
  constructor(
    readonly faultCode: number,
    readonly faultString: string,
    readonly method?: string,
    /** The endpoint that answered (no query), when the fault came over the wire. */
    readonly where?: string,
  ) {
    super(catalogueCode(faultCode), `${method ? `${method}${where ? ` at ${where}` : ""}: ` : ""}Koji fault ${faultCode}: ${faultString}`);
  }
}

/** The answer is not XML-RPC; `reason` says why without the prefix. */
export class XmlRpcDecodeError extends FleetError {
  override name = "XmlRpcDecodeError";
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super("KF_ERR_RESOURCE", `malformed XML-RPC: ${reason}`, options);
  }
}

// ---- encoding ----

const I4 = 2 ** 31;
// XML 1.0 cannot carry most C0 controls at all; CR would be normalised to LF unless escaped.
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
function escapeText(s: string): string {
  if (FORBIDDEN_CHARS.test(s)) throw new RangeError(`string not representable in XML: ${JSON.stringify(s.slice(0, 40))}`);
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\r/g, "&#13;");
}
function double(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`XML-RPC cannot carry ${n}`);
  return `<double>${n}</double>`;
}
const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** Refuses at run time what the type refuses too: the agent's probe params come from JSON-typed catalogs. */
export function encodeValue(v: XmlRpcValue): string {
  if (v === null || v === undefined) return "<value><nil/></value>";
  if (typeof v === "boolean") return `<value><boolean>${v ? 1 : 0}</boolean></value>`;
  if (typeof v === "string") return `<value><string>${escapeText(v)}</string></value>`;
  if (typeof v === "number") {
    if (!Number.isInteger(v)) return `<value>${double(v)}</value>`;
    if (v >= -I4 && v < I4) return `<value><int>${v}</int></value>`;
    if (!Number.isSafeInteger(v)) throw new RangeError(`integer ${v} is beyond exact JS precision`);
    return `<value><i8>${v}</i8></value>`;
  }
  if (typeof v !== "object") throw new TypeError(`XML-RPC cannot carry a ${typeof v}`);
  if (v instanceof XmlRpcDouble) return `<value>${double(v.value)}</value>`;
  if (v instanceof Date) {
    const d = `${pad(v.getUTCFullYear(), 4)}${pad(v.getUTCMonth() + 1)}${pad(v.getUTCDate())}`;
    return `<value><dateTime.iso8601>${d}T${pad(v.getUTCHours())}:${pad(v.getUTCMinutes())}:${pad(v.getUTCSeconds())}</dateTime.iso8601></value>`;
  }
  if (Array.isArray(v)) return `<value><array><data>${(v as readonly XmlRpcValue[]).map(encodeValue).join("")}</data></array></value>`;
  const members = Object.entries(v as XmlRpcStruct)
    .filter((e): e is [string, XmlRpcValue] => e[1] !== undefined)
    .map(([k, m]) => `<member><name>${escapeText(k)}</name>${encodeValue(m)}</member>`);
  return `<value><struct>${members.join("")}</struct></value>`;
}

const params = (values: readonly XmlRpcValue[]) => `<params>${values.map((p) => `<param>${encodeValue(p)}</param>`).join("")}</params>`;
export const encodeCall = (method: string, values: readonly XmlRpcValue[]): string =>
  `<?xml version="1.0"?>\n<methodCall><methodName>${escapeText(method)}</methodName>${params(values)}</methodCall>\n`;
export const encodeResponse = (value: XmlRpcValue): string => `<?xml version="1.0"?>\n<methodResponse>${params([value])}</methodResponse>\n`;
export const encodeFault = (faultCode: number, faultString: string): string =>
  `<?xml version="1.0"?>\n<methodResponse><fault>${encodeValue({ faultCode, faultString })}</fault></methodResponse>\n`;

// ---- decoding ----

function only(el: XmlElement, name: string): XmlElement {
  const [child, ...rest] = el.children;
  if (!child || rest.length > 0 || child.name !== name) throw new XmlRpcDecodeError(`<${el.name}> must hold exactly one <${name}>`);
  return child;
}
const each = (el: XmlElement, name: string): XmlElement[] =>
  el.children.map((c) => {
    if (c.name !== name) throw new XmlRpcDecodeError(`<${c.name}> inside <${el.name}>, expected <${name}>`);
    return c;
  });
// Apache XML-RPC spells Koji's None <ex:nil/>: a type is known by its local name.
const localName = (name: string): string => name.replace(/^[\w.-]+:/, "");

export function decodeValue(value: XmlElement): XmlRpcResult {
  const [typed, ...extra] = value.children;
  if (!typed) return value.text; // an untyped <value> is a string
  if (extra.length > 0) throw new XmlRpcDecodeError("<value> holds more than one element");
  const text = typed.text.trim();
  switch (localName(typed.name)) {
    case "int":
    case "i4":
    case "i8": {
      const n = Number(text);
      if (!/^[+-]?[0-9]+$/.test(text)) throw new XmlRpcDecodeError(`<${typed.name}> is not an integer: ${JSON.stringify(text)}`);
      if (!Number.isSafeInteger(n)) throw new XmlRpcDecodeError(`<${typed.name}> is beyond exact JS precision: ${text}`);
      return n;
    }
    case "boolean":
      if (text !== "0" && text !== "1") throw new XmlRpcDecodeError(`<boolean> is not 0 or 1: ${JSON.stringify(text)}`);
      return text === "1";
    case "double": {
      const n = Number(text);
      if (text === "" || !Number.isFinite(n)) throw new XmlRpcDecodeError(`<double> is not a number: ${JSON.stringify(text)}`);
      return n;
    }
    case "string":
      return typed.text;
    case "nil":
      return null;
    case "dateTime.iso8601":
      return text;
    case "base64":
      return text.replace(/\s+/g, "");
    case "array":
      return each(only(typed, "data"), "value").map(decodeValue);
    case "struct": {
      const out: Record<string, XmlRpcResult> = {};
      for (const member of each(typed, "member")) {
        const name = member.children.find((c) => c.name === "name");
        const v = member.children.find((c) => c.name === "value");
        if (!name || !v || member.children.length !== 2) throw new XmlRpcDecodeError("<member> needs one <name> and one <value>");
        // defineProperty: a member called __proto__ must stay data, not become a prototype.
        Object.defineProperty(out, name.text, { value: decodeValue(v), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    default:
      throw new XmlRpcDecodeError(`unknown XML-RPC type <${typed.name}>`);
  }
}

function parse(xml: string, rootName: string): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (err) {
    throw new XmlRpcDecodeError((err as Error).message, { cause: err });
  }
  if (root.name !== rootName) throw new XmlRpcDecodeError(`expected <${rootName}>, got <${root.name}>`);
  return root;
}

/** The single result of a methodResponse; a fault is thrown as KojiFault, anything else not XML-RPC as XmlRpcDecodeError. */
export function decodeResponse(xml: string, method?: string, where?: string): XmlRpcResult {
  const root = parse(xml, "methodResponse");
  const [body] = root.children;
  if (body?.name === "fault") {
    const f = decodeValue(only(body, "value"));
    const code = typeof f === "object" && f !== null && !Array.isArray(f) ? f.faultCode : undefined;
    const text = typeof f === "object" && f !== null && !Array.isArray(f) ? f.faultString : undefined;
    if (typeof code !== "number" || typeof text !== "string") throw new XmlRpcDecodeError("fault without faultCode/faultString");
    throw new KojiFault(code, text, method, where);
  }
  const values = each(only(root, "params"), "param").map((p) => decodeValue(only(p, "value")));
  if (values.length !== 1) throw new XmlRpcDecodeError(`a methodResponse carries one value, got ${values.length}`);
  return values[0]!;
}

/** What a server needs from a methodCall (the fake hub of the tests). */
export function decodeCall(xml: string): { method: string; params: XmlRpcResult[] } {
  const root = parse(xml, "methodCall");
  const name = root.children.find((c) => c.name === "methodName");
  if (!name || name.text.trim() === "") throw new XmlRpcDecodeError("methodCall without methodName");
  const p = root.children.find((c) => c.name === "params");
  return { method: name.text.trim(), params: p ? each(p, "param").map((x) => decodeValue(only(x, "value"))) : [] };
}
