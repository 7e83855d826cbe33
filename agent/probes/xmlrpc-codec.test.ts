import { describe, expect, it } from "vitest";
import { XmlRpcFault, decodeCall, decodeResponse, encodeCall, encodeFault, encodeResponse, encodeValue } from "./xmlrpc-codec.js";

const response = (value: string) => `<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value>${value}</value>\n</param>\n</params>\n</methodResponse>\n`;

describe("decodeResponse: what a Koji hub answers (Python's xmlrpc layout)", () => {
  it.each<[string, string, unknown]>([
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
    expect(caught).toBeInstanceOf(XmlRpcFault);
    expect(caught).toMatchObject({ faultCode: 1014, faultString: "database outage", message: "fault 1014: database outage" });
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

describe("encoding", () => {
  it.each<[string, unknown, string]>([
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
    expect(() => encodeValue(() => 1)).toThrow("XML-RPC cannot carry a function");
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
