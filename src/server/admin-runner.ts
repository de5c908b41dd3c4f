// The admin HTTP API as serve runs it: every route file composed over the running stages.
import type { Logger } from 'pino';
import { healthRoutes, registryRoutes, startAdminServer, type AdminServer } from '../admin';
import { metricsRoutes } from '../admin/routes/metrics';
import { proxyRoutes } from '../admin/routes/proxies';
import { caRoutes } from '../admin/routes/ca';
import { aclRoutes } from '../admin/routes/acl';
import type { AdminSecurity } from '../admin/admin-security';
import { certificateRoutes, securityRoutes } from '../admin/routes/security';
import type { SwitchyardMetrics } from '../metrics/metrics';
import { hasIdentity, type Instance, type MeshConfig } from '../model';
import type { MeshLocations } from '../config/parse';
import { explainRoutes } from '../admin/routes/explain';
import { historyRoutes, type HistoryDeps } from '../admin/routes/history';
import { uiRoutes } from '../admin/routes/ui';
import { consoleRoutes } from '../admin/routes/console';
import type { Registry } from '../registry';
import type { XdsServer } from '../xds';
import type { CaRunner } from './ca-runner';
import type { HostPort } from './options';

export interface AdminWiring {
  readonly address: HostPort;
  readonly security: AdminSecurity;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly metrics: SwitchyardMetrics;
  readonly xds: XdsServer;
  readonly ca: CaRunner;
  /** The mesh file in force (its services, for listings and token minting). */
  readonly config: () => MeshConfig;
  /** The mesh in force with where each setting is written (explain points at its lines). */
  readonly mesh: () => { config: MeshConfig; locations?: MeshLocations };
  readonly history: HistoryDeps;
  /** Instances by service as published (registry merged with the mesh file's static endpoints). */
  readonly instances: () => ReadonlyMap<string, readonly Instance[]>;
  /** Named readiness checks besides registry writes: registry, ca, config. */
  readonly readiness: () => ReadonlyArray<{ name: string; ok: boolean; detail?: string }>;
  /** Whether registry writes can succeed now: the `registry-writes` check (etcd reachable with a quorum). */
  readonly writable: () => Promise<{ ready: boolean; detail?: string }>;
}

export function startAdmin(w: AdminWiring): Promise<AdminServer> {
  const { ca, tokens } = w.ca;
  return startAdminServer({
    host: w.address.host,
    port: w.address.port,
    access: w.security.access,
    allowedHosts: w.security.allowedHosts,
    ...(w.security.tls && { tls: w.security.tls }),
    logger: w.logger,
    audit: (write) => void w.history.writer.change((h) => h.recordAdmin(write.caller, write.method, write.path, write.body)),
    routes: [
      ...registryRoutes({ registry: w.registry, meshServices: () => w.config().services }),
      ...healthRoutes({
        checks: [
          ...['registry', 'ca', 'config'].map((name) => ({
            name,
            check: () => {
              const r = w.readiness().find((c) => c.name === name);
              return { ready: r?.ok ?? false, ...(r?.detail !== undefined && { detail: r.detail }) };
            },
          })),
          { name: 'registry-writes', check: () => w.writable() },
        ],
      }),
      ...metricsRoutes(w.metrics.registry, w.security.publicMetrics),
      ...proxyRoutes(w.xds),
      ...caRoutes(ca),
      ...securityRoutes({
        // A gateway proves its name with a token just as a sidecar proves its service.
        knownService: (name) => hasIdentity(w.config(), name),
        createToken: (service, ttlMs) => {
          const { token, claims } = tokens.create(service, ttlMs);
          return { token, id: claims.id, expiresAt: claims.expiresAt };
        },
        revokeToken: (id) => tokens.revoke(id),
        caFacts: () => ca.facts(),
        rotate: () => w.ca.rotate(),
      }),
      ...certificateRoutes({
        verifyToken: (token) => {
          const check = tokens.verify(token);
          return check.ok ? { ok: true, service: check.claims.service } : { ok: false, reason: check.reason };
        },
        certificateFor: async (service) => {
          const cert = await ca.certificateFor(service);
          return { certPem: cert.certPem, keyPem: cert.keyPem, notAfter: cert.notAfter };
        },
        trustBundlePem: () => ca.trustBundlePem(),
      }),
      ...aclRoutes(w.security.access),
      ...explainRoutes({ xds: w.xds, mesh: w.mesh }),
      ...historyRoutes(w.history),
      ...uiRoutes(),
      ...consoleRoutes({
        config: w.config,
        instances: () => w.instances(),
        streams: () => w.xds.streams(),
        certificates: () =>
          w.config().services.flatMap((s) => {
            const cert = ca.currentCertificate(s.name);
            return cert ? [{ service: s.name, notBefore: cert.notBefore, notAfter: cert.notAfter, issuer: cert.issuerFingerprint }] : [];
          }),
        historyVersion: () => w.history.history.current()?.version,
      }),
    ],
  });
}
