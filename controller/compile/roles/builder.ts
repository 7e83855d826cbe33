// kojid: /etc/kojid/kojid.conf (https://docs.pagure.org/koji/kojid_conf/), one per builder with its
// own overrides, its client certificate (CN = the host's FQDN = the koji add-host name), the tree
// mounted ro, kojibuilder in group mock, and kojid itself, which REQUIRES the
// `koji-host-registered` gate: kojid never logs in before the controller has run add-host
// (docs/pitfalls.md#pitfall-2: the first login would create a normal user of that name). Arches,
// capacity and channels are hub-side host settings, converged through the hub API, so changing them
// never touches this host.
import type { ResolvedHost } from "../../config/defaults.js";
import { PATHS, treeIsLocal, type Farm } from "../farm.js";
import { certId, certificateParts, clientPem, hostSubject } from "../certs.js";
import { renderIni } from "../ini.js";
import { gate, service, serviceId, user } from "../kinds.js";
import { fileIn, pathProbe, type RolePart } from "../resources.js";
import { UPDATE_CA_TRUST } from "../common.js";
import { treeFor } from "./tree.js";
import { allowedScms, fetchesFromLookaside, scmSourcesResources } from "./scm-sources.js";

const KOJID = "kojid.service";
export const KOJID_ID = serviceId(KOJID);
export const REGISTERED_GATE = "koji-host-registered";

export function kojidConf(farm: Farm, host: ResolvedHost): string {
  const b = host.builder;
  if (!b) throw new Error(`${host.name} is not a builder`);
  // Arches, capacity and channels stay out of this file: changing them must not restart kojid.
  return renderIni([
    {
      name: "kojid",
      entries: [
        ["server", farm.hubUrl],
        { comment: "Buildroots download packages over HTTPS; the farm CA is in the system trust store." },
        ["topurl", farm.filesUrl],
        ["topdir", farm.fleet.koji.topdir],
        { comment: "Local scratch space; must not be inside topdir." },
        ["workdir", b.workdir],
        ["mockdir", PATHS.mockdir],
        ["mockuser", PATHS.mockuser],
        { comment: `PEM with certificate and key; CN = ${host.fqdn}, the name given to koji add-host.` },
        ["cert", PATHS.kojidCert],
        ["serverca", PATHS.caCert],
        ["maxjobs", b.maxjobs],
        { comment: `MB free in ${PATHS.mockdir} below which this builder takes no task.` },
        ["minspace", b.minspace],
        ["allowed_scms", allowedScms(farm, b)],
        ...(fetchesFromLookaside(b)
          ? [
              { comment: "Bind-mounted at /credentials in SRPM buildroots: the source command and the farm CA, no secret." },
              ["scm_credentials_dir", PATHS.scmSourcesDir] as const,
            ]
          : []),
        ["use_createrepo_c", true],
      ],
    },
  ]);
}

/** Open once the controller registered the host in Koji (by host name or FQDN). */
export function registered(farm: Farm, host: ResolvedHost): boolean {
  const set = farm.opts.registeredBuilders;
  return set !== undefined && (set.has(host.name) || set.has(host.fqdn));
}

export function builderPart(farm: Farm, host: ResolvedHost): RolePart {
  // reload = SIGUSR1: kojid finishes its running tasks before it restarts (Koji's builder/kojid.service).
  const restart = { notifies: [KOJID_ID] };
  const tree = treeFor(farm, host, KOJID);
  const b = host.builder;
  if (!b) throw new Error(`${host.name} is not a builder`);
  const registration = gate(REGISTERED_GATE, registered(farm, host), `koji add-host ${host.fqdn} (the controller registers this builder in Koji)`);
  return {
    packages: ["koji-builder", ...(treeIsLocal(host) ? [] : ["nfs-utils"])],
    resources: [
      ...certificateParts(farm, host, "kojid", hostSubject(farm, "kojid", host), "client"),
      ...fileIn(PATHS.kojidConf, kojidConf(farm, host), undefined, restart),
      // kojid reads them per task from the bind mount: a change needs no restart.
      ...(fetchesFromLookaside(b) ? scmSourcesResources({ requires: [certId("kojid")] }) : []),
      clientPem(PATHS.kojidCert, "kojid", { mode: "0600", owner: "root", group: "root" }, restart),
      // koji-builder's %pre makes kojibuilder a member of mock; mock refuses it otherwise.
      user(PATHS.mockuser, { groups: ["mock"], groupsMembership: "minimum", system: true }),
      ...tree.resources,
      registration,
      service(KOJID, { reload: true }, { requires: [...tree.requires, registration.id, `user:${PATHS.mockuser}`, UPDATE_CA_TRUST] }),
    ],
    probes: [pathProbe(PATHS.kojidConf, "file")],
  };
}
