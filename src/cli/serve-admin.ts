import type { Logger } from 'pino';
import { healthRoutes, registryRoutes, startAdminServer, type AdminServer } from '../admin';
import { metricsRoutes } from '../admin/routes/metrics';
import { proxyRoutes } from '../admin/routes/proxies';
import { caRoutes } from '../admin/routes/ca';
import { aclRoutes } from '../admin/routes/acl';
import type { AdminSecurity } from '../admin/admin-security';
import { certificateRoutes, securityRoutes, type CertificateRoutesOptions, type SecurityRoutesOptions } from '../admin/routes/security';
import type { CertificateAuthority } from '../ca/authority';
import type { SwitchyardMetrics } from '../metrics/metrics';
import type { ServicePolicy } from '../model';
import type { Registry } from '../registry';
import type { XdsServer } from '../xds';

export interface AdminWiring {
  readonly host: string;
  readonly port: number;
  readonly adminSecurity: AdminSecurity;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly metrics: SwitchyardMetrics;
  readonly xds: XdsServer;
  readonly ca: CertificateAuthority;
  readonly security: SecurityRoutesOptions;
  readonly certificates: CertificateRoutesOptions;
  readonly meshServices: () => readonly ServicePolicy[];
  readonly readiness: () => ReadonlyArray<{ name: string; ok: boolean; detail?: string }>;
  /** Whether registry writes can succeed now: the `registry-writes` check (etcd reachable with a quorum). */
  readonly writable: () => Promise<{ ready: boolean; detail?: string }>;
}

/** The admin HTTP server with every route file composed: registry, health, metrics, proxies. */
export function startAdmin(w: AdminWiring): Promise<AdminServer> {
  return startAdminServer({
    host: w.host,
    port: w.port,
    access: w.adminSecurity.access,
    allowedHosts: w.adminSecurity.allowedHosts,
    ...(w.adminSecurity.tls && { tls: w.adminSecurity.tls }),
    logger: w.logger,
    routes: [
      ...registryRoutes({ registry: w.registry, meshServices: w.meshServices }),
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
      ...metricsRoutes(w.metrics.registry, w.adminSecurity.publicMetrics),
      ...proxyRoutes(w.xds),
      ...caRoutes(w.ca),
      ...securityRoutes(w.security),
      ...certificateRoutes(w.certificates),
      ...aclRoutes(w.adminSecurity.access),
    ],
  });
}
