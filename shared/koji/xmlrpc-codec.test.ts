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
  type XmlRpcResult,
  type XmlRpcValue,
} from "./xmlrpc-codec.js";

// The codec the controller, the agent's xmlrpc probe and the fake hub share: the tables the two
// former codecs were held to, both kept.
const response = (value: string) => `<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value>${value}</value>\n</param>\n</params>\n</methodResponse>\n`;
const decode = (xml: string): XmlRpcValue => decodeValue(parseXml(xml));

describe("decodeResponse: what a Koji hub answers (Python's xmlrpc layout)", () => {
  it.each<[string, string, XmlRpcResult]>([
    ["int", "<int>1</int>", 1],
    ["i4, negative", "<i4>-42</i4>", -42],
    ["i8 beyond 32 bits (Koji's marshaller)", "<i8>4294967296</i8>", 4294967296],
    ["boolean true", "<boolean>1</boolean>", true],
    ["boolean false", "<boolean>0</boolean>", false],
    ["double (update_ts)", "<double>1735689600.25</double>", 1735689600.25],
    ["string with entities", "<string>a &lt;b&gt; &amp; &quot;c&quot; &#233;&#x263A;</string>", 'a <b> & "c" é☺'],
    ["bare value is a string", "kojiadmin", "kojiadmin"],
    ["empty string", "<string></string>", ""],
    ["empty bare value", "", ""],
    ["CDATA", "<string><![CDATA[x < y & z]]></string>", "x < y & z"],
    ["nil (Koji's None)", "<nil/>", null],
    ["ex:nil (Apache's spelling)", "<ex:nil/>", null],
    ["dateTime stays its text", "<dateTime.iso8601>20250101T00:00:00</dateTime.iso8601>", "20250101T00:00:00"],
    ["base64 stays its text", "<base64>aGVs\nbG8=</base64>", "aGVsbG8="],
    ["array", "<array><data>\n<value><string>repo</string></value>\n<value><int>2</int></value>\n</data></array>", ["repo", 2]],
    ["empty array", "<array><data></data></array>", []],
    [
      "struct with nested values",
      "<struct>\n<member>\n<name>name</name>\n<value><string>builder1</string></value>\n</member>\n<member>\n<name>enabled</name>\n<value><boolean>1</boolean></value>\n</member>\n<member>\n<name>comment</name>\n<value><nil/></value>\n</member>\n<member><name>arches</name><value><array><data><value>x86_64</value></data></array></value></member>\n</struct>",
      { name: "builder1", enabled: true, comment: null, arches: ["x86_64"] },
    ],
  ])("%s", (_name, xml, want) => {
    expect(decodeResponse(response(xml))).toEqual(want);
  });

  it("a fault rejects with its code and faultString", () => {
    const xml = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>1014</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>database outage</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n";
    let caught: unknown;
    try {
      decodeResponse(xml);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(KojiFault);
    expect(caught).toMatchObject({ faultCode: 1014, faultString: "database outage", code: "KF_ERR_NOT_READY", message: "Koji fault 1014: database outage" });
  });

  it.each<[string, string, RegExp]>([
    ["HTML instead of XML-RPC", "<html><body>Internal Server Error</body></html>", /expected <methodResponse>, got <html>/],
    ["unclosed element", response("<int>1</int>").replace("</methodResponse>", ""), /<methodResponse> not closed/],
    ["mismatched close", "<methodResponse><params></param></methodResponse>", /<\/param> closes <params>/],
    ["DOCTYPE refused", '<!DOCTYPE x [<!ENTITY a "b">]><methodResponse/>', /malformed XML at offset 0/],
    ["bare ampersand", response("<string>a & b</string>"), /bare '&'/],
    ["unknown entity", response("<string>&nbsp;</string>"), /unknown entity &nbsp;/],
    ["not an integer", response("<int>1.5</int>"), /<int> is not an integer/],
    ["not a boolean", response("<boolean>yes</boolean>"), /<boolean> is not 0 or 1/],
    ["unknown type", response("<float>1</float>"), /unknown XML-RPC type <float>/],
    ["text after the root", `${response("<int>1</int>")}junk`, /not one root element/],
    ["two params", "<methodResponse><params><param><value>a</value></param><param><value>b</value></param></params></methodResponse>", /carries one value, got 2/],
  ])("malformed: %s → a readable error", (_name, xml, message) => {
    expect(() => decodeResponse(xml)).toThrow(message);
  });
});

describe("encoding what a probe sends", () => {
  it.each<[string, XmlRpcValue, string]>([
    ["null → nil", null, "<value><nil/></value>"],
    ["boolean", true, "<value><boolean>1</boolean></value>"],
    ["int32", -7, "<value><int>-7</int></value>"],
    ["beyond int32 → i8", 2 ** 31, "<value><i8>2147483648</i8></value>"],
    ["double", 0.5, "<value><double>0.5</double></value>"],
    ["string escaped", "a<b&c>", "<value><string>a&lt;b&amp;c&gt;</string></value>"],
    ["array", [1, "x"], "<value><array><data><value><int>1</int></value><value><string>x</string></value></data></array></value>"],
    ["struct", { a: null }, "<value><struct><member><name>a</name><value><nil/></value></member></struct></value>"],
  ])("%s", (_name, value, xml) => {
    expect(encodeValue(value)).toBe(xml);
  });

  it("refuses what XML-RPC cannot carry", () => {
    expect(() => encodeValue(Number.NaN)).toThrow("XML-RPC cannot carry NaN");
    expect(() => encodeValue((() => 1) as never)).toThrow("XML-RPC cannot carry a function");
  });

  it("the sslLogin call koji.ClientSession sends: kwargs as a __starstar struct", () => {
    expect(encodeCall("sslLogin", [{ proxyuser: null, __starstar: true }])).toBe(
      '<?xml version="1.0"?>\n<methodCall><methodName>sslLogin</methodName><params><param><value><struct>' +
        "<member><name>proxyuser</name><value><nil/></value></member><member><name>__starstar</name><value><boolean>1</boolean></value></member>" +
        "</struct></value></param></params></methodCall>\n",
    );
  });

  it("round trips: call, response and fault", () => {
    const value = { id: 1, name: "b1 <&>", ready: true, load: 0.5, arches: ["x86_64", "aarch64"], comment: null, nested: { list: [[], {}] } };
    expect(decodeCall(encodeCall("getHost", ["builder1", value]))).toEqual({ method: "getHost", params: ["builder1", value] });
    expect(decodeCall('<?xml version="1.0"?><methodCall><methodName>getAPIVersion</methodName></methodCall>')).toEqual({ method: "getAPIVersion", params: [] });
    expect(decodeResponse(encodeResponse(value))).toEqual(value);
    expect(() => decodeResponse(encodeFault(1000, "No such user: 'x'"))).toThrow("fault 1000: No such user: 'x'");
  });
});

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
    ["NaN", NaN, /cannot carry NaN/],
    ["Infinity as double", new XmlRpcDouble(Infinity), /cannot carry Infinity/],
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
    ["attributes are checked, then dropped", `<value><string xml:space="preserve" a='b'>x</string></value>`, "x"],
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
    ["int with a fraction", "<value><int>1.5</int></value>", /<int> is not an integer/],
    ["i8 beyond 2^53", "<value><i8>9007199254740993</i8></value>", /<i8> is beyond exact JS precision/],
    ["boolean other than 0/1", "<value><boolean>2</boolean></value>", /<boolean> is not 0 or 1/],
    ["member without a value", "<value><struct><member><name>a</name></member></struct></value>", /one <name> and one <value>/],
    ["DOCTYPE (entity expansion)", '<!DOCTYPE x [<!ENTITY a "b">]><value>&a;</value>', /DOCTYPE/],
    ["unknown entity", "<value>&nbsp;</value>", /unknown entity/],
    ["bare ampersand", "<value>a & b</value>", /bare '&'/],
    ["unclosed element", "<value><string>x</value>", /<\/value> closes <string>/],
    ["close tag with nothing open", "<value/></value>", /<\/value> closes nothing/],
    ["attribute without a quoted value", "<value a=1/>", /bad attributes in <value>/],
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
    expect(() => decodeResponse("<html><body>Service Unavailable</body></html>")).toThrow(/expected <methodResponse>, got <html>/);
    expect(() => decodeResponse("not xml at all")).toThrow(/exactly one root/);
  });
});
