/** A service's identity in the mesh: what the CA puts in certificates and RBAC matches on. */
export function spiffeId(trustDomain: string, service: string): string {
  return `spiffe://${trustDomain}/svc/${service}`;
}
