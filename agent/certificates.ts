/** How `certificate` resources get a signed certificate: the controller, over NATS. */
export interface CertificateIssuer {
  /** Sends a CSR for the catalog's certificate `name`; the controller signs it under that resource's policy. */
  request(name: string, csrPem: string): Promise<{ certificatePem: string; caPem: string }>;
}

export const noIssuer: CertificateIssuer = {
  async request() {
    throw new Error("not connected to the controller: the certificate will be requested on a later converge");
  },
};
