// Name rules. Service names become SPIFFE path segments, Envoy cluster names and gRPC
// `xds:///name` targets, so they are held to DNS label rules (as Kubernetes Services are).

import { isIP } from 'node:net';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const HOST_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const SUBSET_NAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;
// RFC 9110 token characters; a leading colon admits HTTP/2 pseudo-headers such as :authority.
const HEADER_NAME = /^:?[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Why `name` is not a valid service name, or undefined when it is. */
export function serviceNameProblem(name: string): string | undefined {
  if (DNS_LABEL.test(name)) return undefined;
  return `service name ${JSON.stringify(name)} must be a DNS label: 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit`;
}

export function subsetNameProblem(name: string): string | undefined {
  if (SUBSET_NAME.test(name)) return undefined;
  return `subset name ${JSON.stringify(name)} must be 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
}

/** SPIFFE trust domains are lowercase DNS-like names (spiffe://<trustDomain>/svc/<service>). */
export function trustDomainProblem(domain: string): string | undefined {
  if (domain !== domain.toLowerCase() && isDnsName(domain.toLowerCase(), DNS_LABEL)) {
    return `trust domain ${JSON.stringify(domain)} must be lowercase: ${domain.toLowerCase()}`;
  }
  if (isDnsName(domain, DNS_LABEL)) return undefined;
  return `trust domain ${JSON.stringify(domain)} is not a DNS-like name such as switchyard.local (lowercase labels of letters, digits and '-', separated by dots)`;
}

export function endpointAddressProblem(address: string): string | undefined {
  const family = isIP(address);
  if (family !== 0) {
    // A proxy cannot connect to "any address"; this is almost always a copied listen address.
    if (address === '0.0.0.0' || /^[0:]+$/.test(address)) {
      return `${address} is the unspecified address; an endpoint needs the instance's own address`;
    }
    return undefined;
  }
  if (address.startsWith('[') && address.endsWith(']') && isIP(address.slice(1, -1)) === 6) {
    return `write the IPv6 address without brackets: ${address.slice(1, -1)}`;
  }
  if (isDnsName(address, HOST_LABEL)) return undefined;
  return `${JSON.stringify(address)} is not an IPv4 address, an IPv6 address or a DNS hostname`;
}

export function headerNameProblem(name: string): string | undefined {
  if (HEADER_NAME.test(name)) return undefined;
  return `${JSON.stringify(name)} is not a valid HTTP header name`;
}

function isDnsName(name: string, label: RegExp): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  // An all-numeric last label is a malformed IPv4 address (10.0.0.256), not a hostname.
  if (/^\d+$/.test(labels[labels.length - 1])) return false;
  return labels.every((l) => label.test(l));
}
