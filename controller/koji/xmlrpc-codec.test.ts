import { describe, expect, it } from "vitest";
import { parseXml } from "./xml.js";
import {
  KojiFault,
  XmlRpcDouble,
  decodeCall,
  decodeResponse,
  decodeValue,
  encodeCall,
  encodeFault,
  encodeResponse,
  encodeValue,
  kwargs,
  type XmlRpcValue,
} from "./xmlrpc-codec.js";

const decode = (xml: string): XmlRpcValue => decodeValue(parseXml(xml));

describe("XML-RPC encoding", () => {
  it.each<[string, XmlRpcValue, string]>([
    ["null → <nil/> (Koji's allow_none)", null, "<value><nil/></value>"],
    ["true → boolean 1", true, "<value><boolean>1</boolean></value>"],
    ["false → boolean 0", false, "<value><boolean>0</boolean></value>"],
    ["whole number → int", 42, "<value><int>42</int></value>"],
    ["smallest i4 → int", -(2 ** 31), "<value><int>-2147483648</int></value>"],
    ["beyond i4 → i8 (Koji's marshaller)", 2 ** 31, "<value><i8>2147483648</i8></value>"],
    ["fraction → double", 2.5, "<value><double>2.5</double></value>"],
    ["XmlRpcDouble of a whole number → double", new XmlRpcDouble(4), "<value><double>4</double></value>"],
    ["string is escaped", "a<b & c>d", "<value><string>a&lt;b &amp; c&gt;d</string></value>"],
    ["CR survives XML line-end normalisation", "a\rb", "<value><string>a&#13;b</string></value>"],
    ["empty string", "", "<value><string></string></value>"],
    ["Date → dateTime.iso8601 in UTC", new Date("2025-07-02T16:29:05Z"), "<value><dateTime.iso8601>20250702T16:29:05</dateTime.iso8601></value>"],
    ["array", ["x86_64", 1], "<value><array><data><value><string>x86_64</string></value><value><int>1</int></value></data></array></value>"],
    ["empty array", [], "<value><array><data></data></array></value>"],
    ["struct skips undefined members", { a: 1, b: undefined }, "<value><struct><member><name>a</name><value><int>1</int></value></member></struct></value>"],
    [
      "kwargs → trailing struct with __starstar (koji encode_args)",
      kwargs({ hostID: 3 }),
      "<value><struct><member><name>hostID</name><value><int>3</int></value></member><member><name>__starstar</name><value><boolean>1</boolean></value></member></struct></value>",
    ],
  ])("%s", (_name, value, xml) => {
    expect(encodeValue(value)).toBe(xml);
  });

  it.each<[string, XmlRpcValue, RegExp]>([
    ["NaN", NaN, /no NaN/],
    ["Infinity as double", new XmlRpcDouble(Infinity), /no Infinity/],
    ["integer beyond 2^53", 2 ** 60, /exact JS precision/],
    ["control character", "a\u0001b", /not representable/],
  ])("refuses %s", (_name, value, error) => {
    expect(() => encodeValue(value)).toThrow(error);
  });

  it("a call is a methodCall with one param per argument", () => {
    expect(encodeCall("editHost", ["h1", kwargs({ capacity: new XmlRpcDouble(4) })])).toBe(
      '<?xml version="1.0"?>\n<methodCall><methodName>editHost</methodName><params>' +
        "<param><value><string>h1</string></value></param>" +
        "<param><value><struct><member><name>capacity</name><value><double>4</double></value></member><member><name>__starstar</name><value><boolean>1</boolean></value></member></struct></value></param>" +
        "</params></methodCall>\n",
    );
  });
});

describe("XML-RPC decoding", () => {
  it.each<[string, string, XmlRpcValue]>([
    ["untyped value → string", "<value>plain text</value>", "plain text"],
    ["string with entities", "<value><string>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;</string></value>", "a & b <c> \"d\" 'e'"],
    ["character references", "<value><string>&#65;&#x42;&#13;</string></value>", "AB\r"],
    ["CDATA", "<value><string><![CDATA[<raw & text>]]></string></value>", "<raw & text>"],
    ["string keeps its spaces", "<value><string>  two  </string></value>", "  two  "],
    ["int", "<value><int>-7</int></value>", -7],
    ["i4", "<value><i4>12</i4></value>", 12],
    ["i8 (Koji ids beyond i4)", "<value><i8>9007199254740991</i8></value>", 9007199254740991],
    ["boolean", "<value><boolean>1</boolean></value>", true],
    ["double 2.0 (Python repr)", "<value><double>2.0</double></value>", 2],
    ["nil", "<value><nil/></value>", null],
    ["dateTime.iso8601 kept as text", "<value><dateTime.iso8601>20250702T16:29:15</dateTime.iso8601></value>", "20250702T16:29:15"],
    ["empty array", "<value><array><data/></array></value>", []],
    [
      "struct in Python's layout (newlines between elements)",
      "<value><struct>\n<member>\n<name>id</name>\n<value><int>1</int></value>\n</member>\n<member>\n<name>arches</name>\n<value><string>x86_64 aarch64</string></value>\n</member>\n</struct></value>",
      { id: 1, arches: "x86_64 aarch64" },
    ],
    ["nested array in struct", "<value><struct><member><name>l</name><value><array><data><value><int>1</int></value><value>x</value></data></array></value></member></struct></value>", { l: [1, "x"] }],
  ])("%s", (_name, xml, value) => {
    expect(decode(xml)).toEqual(value);
  });

  it("a member named __proto__ stays data", () => {
    const v = decode("<value><struct><member><name>__proto__</name><value><int>1</int></value></member></struct></value>") as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(["__proto__"]);
  });

  it.each<[string, string, RegExp]>([
    ["int with a fraction", "<value><int>1.5</int></value>", /bad integer/],
    ["boolean other than 0/1", "<value><boolean>2</boolean></value>", /bad boolean/],
    ["base64 (not used by Koji objects)", "<value><base64>AA==</base64></value>", /unsupported type <base64>/],
    ["member without a value", "<value><struct><member><name>a</name></member></struct></value>", /one <name> and one <value>/],
    ["DOCTYPE (entity expansion)", '<!DOCTYPE x [<!ENTITY a "b">]><value>&a;</value>', /DOCTYPE/],
    ["unknown entity", "<value>&nbsp;</value>", /unknown entity/],
    ["bare ampersand", "<value>a & b</value>", /bare '&'/],
    ["unclosed element", "<value><string>x</value>", /unexpected <\/value>/],
    ["two roots", "<value/><value/>", /exactly one root/],
  ])("refuses %s", (_name, xml, error) => {
    expect(() => decode(xml)).toThrow(error);
  });
});

describe("XML-RPC messages", () => {
  it("a response as the hub writes it decodes to its single value", () => {
    const xml = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>session-id</name>\n<value><int>7</int></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n";
    expect(decodeResponse(xml)).toEqual({ "session-id": 7 });
  });

  it.each<[number, string]>([
    [1000, "KF_ERR_RESOURCE"],
    [1002, "KF_ERR_UNAUTHORIZED"],
    [1007, "KF_ERR_UNAUTHORIZED"],
    [1004, "KF_ERR_FORBIDDEN"],
    [1014, "KF_ERR_NOT_READY"],
  ])("fault %i → KojiFault with catalogue code %s", (faultCode, code) => {
    let thrown: unknown;
    try {
      decodeResponse(encodeFault(faultCode, "host already exists: b1"), "addHost");
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(KojiFault);
    expect(thrown).toMatchObject({ faultCode, faultString: "host already exists: b1", method: "addHost", code });
    expect((thrown as Error).message).toBe(`addHost: Koji fault ${faultCode}: host already exists: b1`);
  });

  it("round trip: call and response through encoder and decoder", () => {
    const params: XmlRpcValue[] = ["b1", ["x86_64", "aarch64"], kwargs({ create: true, n: null })];
    expect(decodeCall(encodeCall("addHostToChannel", params))).toEqual({ method: "addHostToChannel", params });
    const value = { id: 3, capacity: 2.5, enabled: false, description: null, channels: [{ name: "default" }] };
    expect(decodeResponse(encodeResponse(value))).toEqual(value);
  });

  it("a response that is not XML-RPC is a decode error, not a crash", () => {
    expect(() => decodeResponse("<html><body>Service Unavailable</body></html>")).toThrow(/root is <html>, expected <methodResponse>/);
    expect(() => decodeResponse("not xml at all")).toThrow(/exactly one root/);
  });
});
