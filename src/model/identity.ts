/** A service's identity in the mesh: what the CA puts in certificates and RBAC matches on. */
export function spiffeId(trustDomain: string, service: string): string {
  return `spiffe://${trustDomain}/svc/${service}`;
}

/**
 * Whether a name may hold an identity in this mesh: a service, or an ingress gateway. Streams and
 * xDS tokens are only for these, so unknown names can neither mint tokens nor form proxy groups.
 */
export function hasIdentity(config: { services: readonly { name: string }[]; gateways?: readonly { name: string }[] }, name: string): boolean {
  return config.services.some((s) => s.name === name) || (config.gateways ?? []).some((g) => g.name === name);
}
