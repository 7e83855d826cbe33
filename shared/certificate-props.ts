// Props of the `certificate` resource kind, part of the protocol: the agent's kind converges
// them and the controller's CSR service signs a host's request only under the policy of that
// host's own catalog.
import { Type, type Static } from "@sinclair/typebox";
import { AbsolutePath, Mode, Principal } from "./props-schema.js";

const Rdn = Type.Tuple([Type.Union([Type.Literal("O"), Type.Literal("OU"), Type.Literal("CN")]), Type.String({ minLength: 1, maxLength: 64 })]);

export const CertificatePropsSchema = Type.Object(
  {
    /** Names this certificate within the host's catalog ("kojihub", "kojiweb", "kojid"…). */
    name: Type.String({ pattern: "^[a-z0-9][a-z0-9-]{0,62}$" }),
    /** The private key: generated on the host, never sent anywhere. */
    keyFile: AbsolutePath,
    certFile: AbsolutePath,
    /** Where the fleet CA certificate is written (the chain / serverca for Koji clients). */
    caFile: Type.Optional(AbsolutePath),
    /** RDNs in certificate order, least specific first: [["O", fleet], ["OU", "kojiweb"], ["CN", fqdn]]. */
    subject: Type.Array(Rdn, { minItems: 1, maxItems: 8 }),
    dnsNames: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 32 })),
    ipAddresses: Type.Optional(Type.Array(Type.String({ minLength: 2, maxLength: 45 }), { maxItems: 32 })),
    usage: Type.Union([Type.Literal("server"), Type.Literal("client"), Type.Literal("server-client")]),
    /** Lifetime asked of the CA; renewal happens at 2/3 of it. */
    days: Type.Integer({ minimum: 1, maximum: 3650 }),
    /** Mode/owner of the certificate and CA files (default 0644 root). The key is always 0600. */
    certMode: Type.Optional(Mode),
    keyOwner: Type.Optional(Principal),
    keyGroup: Type.Optional(Principal),
  },
  { additionalProperties: false },
);
export type CertificateProps = Static<typeof CertificatePropsSchema>;
