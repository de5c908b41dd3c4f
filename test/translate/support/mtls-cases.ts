// Mesh states with mTLS on, and the proxies whose view of them is worth reviewing, for the
// meshSecurity() tests. Certificate material is fake but PEM-shaped, and each key says whose it is
// so a leak is easy to spot (and to grep for).
import type { MeshSecurityMaterial, MeshSettings, MeshState, MtlsMode, ProxyIdentity, WorkloadKeyPair } from '../../../src/model';
import { envoy, grpcClient, service, meshState, proxyLabel, shopState } from './mesh-fixtures';

export interface MtlsCase {
  /** Also the golden file name: test/translate/golden-mtls/<name>.yaml. */
  readonly name: string;
  readonly description: string;
  readonly state: MeshState;
  readonly proxies: readonly ProxyIdentity[];
}

export const TRUST_BUNDLE_PEM = '-----BEGIN CERTIFICATE-----\nRkFLRS1ST09ULUNB\n-----END CERTIFICATE-----\n';

/** The marker every fake private key carries; no unauthenticated proxy's bytes may contain it. */
export const PRIVATE_KEY_MARKER = 'PRIVATE KEY';

export function fakeKeyPair(serviceName: string): WorkloadKeyPair {
  const body = (what: string) => Buffer.from(`FAKE-${what}-${serviceName}`).toString('base64');
  return {
    certPem: `-----BEGIN CERTIFICATE-----\n${body('CERT')}\n-----END CERTIFICATE-----\n`,
    keyPem: `-----BEGIN ${PRIVATE_KEY_MARKER}-----\n${body('KEY')}\n-----END ${PRIVATE_KEY_MARKER}-----\n`,
  };
}

export function material(services: readonly string[]): MeshSecurityMaterial {
  return { trustBundlePem: TRUST_BUNDLE_PEM, certificates: new Map(services.map((s) => [s, fakeKeyPair(s)])) };
}

const SHOP_SERVICES = ['frontend', 'catalog', 'orders', 'payments', 'db'];

/** The shop (frontend → catalog, orders; orders → payments, db; catalog → db) with mTLS `mode` and every certificate issued. */
export function securedShop(mode: MtlsMode, mesh: Partial<MeshSettings> = {}): MeshState {
  const shop = shopState();
  return { ...shop, config: { ...shop.config, mesh: { ...shop.config.mesh, mtls: mode, ...mesh } }, security: material(SHOP_SERVICES) };
}

export function anonymous(proxy: ProxyIdentity): ProxyIdentity {
  return { ...proxy, authenticated: false };
}

export function mtlsProxyLabel(proxy: ProxyIdentity): string {
  return proxy.kind === 'envoy' ? `${proxyLabel(proxy)} (${proxy.authenticated ? 'authenticated' : 'unauthenticated'})` : proxyLabel(proxy);
}

export const MTLS_CASES: readonly MtlsCase[] = [
  {
    name: 'strict',
    description: 'strict mTLS: SDS secrets and TLS for proved sidecars, RBAC from allow (catalog: frontend; db over tcp: orders, catalog), nothing for an unproved one, certificate providers for gRPC',
    state: securedShop('strict'),
    proxies: [envoy('frontend'), anonymous(envoy('frontend')), envoy('catalog'), anonymous(envoy('catalog')), envoy('db'), grpcClient('frontend')],
  },
  {
    name: 'permissive',
    description: 'permissive mTLS: tls_inspector, a TLS and a plaintext inbound chain both guarded by RBAC; upstream still TLS',
    state: securedShop('permissive'),
    proxies: [envoy('frontend'), anonymous(envoy('frontend')), envoy('catalog'), envoy('db'), grpcClient('frontend')],
  },
  {
    name: 'disabled',
    description: 'mtls disabled: plaintext and no RBAC even with certificates available',
    state: securedShop('disabled'),
    proxies: [envoy('frontend'), anonymous(envoy('frontend')), envoy('catalog'), grpcClient('frontend')],
  },
  {
    name: 'catalog-allow-orders',
    description: 'catalog allows frontend and orders: one policy with both principals, in file order',
    state: (() => {
      const shop = securedShop('strict');
      const services = shop.config.services.map((s) => (s.name === 'catalog' ? { ...s, allow: ['frontend', 'orders'] } : s));
      return { ...shop, config: { ...shop.config, services } };
    })(),
    proxies: [envoy('catalog')],
  },
  {
    name: 'rbac-defaults',
    description: 'no allow list under defaultPolicy allow: no RBAC; an empty allow list: RBAC denying everyone',
    state: {
      ...meshState([service('open', { port: 8000 }), service('closed', { port: 8001, allow: [] }), service('raw', { port: 5432, protocol: 'tcp' })], [], {
        mtls: 'strict',
        defaultPolicy: 'allow',
      }),
      security: material(['open', 'closed', 'raw']),
    },
    proxies: [envoy('open'), envoy('closed'), envoy('raw')],
  },
  {
    name: 'no-certificate',
    description: 'a proved sidecar whose service has no certificate yet: plaintext, warned, inbound refused where an allow list applies',
    state: { ...securedShop('strict'), security: material(['frontend']) },
    proxies: [envoy('catalog'), envoy('frontend')],
  },
  {
    name: 'no-ca-material',
    description: 'a mesh state without CA material (CA not running): every sidecar plaintext and warned; gRPC clients still use their certificate providers',
    state: (() => {
      const { security: _omitted, ...withoutSecurity } = securedShop('permissive');
      return withoutSecurity;
    })(),
    proxies: [envoy('catalog'), grpcClient('frontend')],
  },
];
