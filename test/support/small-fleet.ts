// The smallest fleet.yaml with every role the compiler needs (hub, database, NFS, one builder):
// the base that loader and Koji-content tests edit.
export const SMALL_FLEET = `apiVersion: koji-fleet/v1
fleet: { name: farm, domain: example.org }
hosts:
  - { name: hub1, address: 10.0.0.1, roles: [hub, web, kojira] }
  - { name: db1, address: 10.0.0.2, roles: [database] }
  - { name: nfs1, address: 10.0.0.3, roles: [nfs] }
  - { name: b1, address: 10.0.0.4, roles: [builder] }
`;
