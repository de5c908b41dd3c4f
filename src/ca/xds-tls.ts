import { isIP } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { CertificateAuthority } from './authority';

/**
 * A day, renewed at half life: a stolen listener key is useful for hours, not a year, and the
 * listener never serves a certificate from a root that has left the bundle.
 */
export const XDS_SERVER_CERT_TTL_MS = 24 * 3600_000;
/** The SPIFFE service name in the listener's certificate (`…/svc/switchyard-xds`); bootstraps match it. */
export const XDS_SERVER_IDENTITY = 'switchyard-xds';

type CaListener = (update: grpc.experimental.CaCertificateUpdate | null) => void;
type IdentityListener = (update: grpc.experimental.IdentityCertificateUpdate | null) => void;

/**
 * Feeds grpc-js the listener's certificate and the bundle client certificates are checked
 * against, and pushes new ones without a restart: a renewal at half life, a new certificate and
 * bundle when a root rotation starts (both roots trusted) and when it finishes.
 */
export class XdsServerCertificates implements grpc.experimental.CertificateProvider {
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private ca?: grpc.experimental.CaCertificateUpdate;
  private identity?: grpc.experimental.IdentityCertificateUpdate;
  private issuedFrom = '';
  private bundle = '';
  private renewAt = 0;
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private stopped = false;

  constructor(
    private readonly authority: CertificateAuthority,
    private readonly dnsNames: readonly string[],
    private readonly ipAddresses: readonly string[],
    private readonly logger: Logger,
  ) {}

  /** Issues the first certificate; resolves once the listener can start. */
  async start(): Promise<void> {
    await this.refresh();
    // Workload renewals fire this too; refresh() only re-issues when the root or bundle moved.
    this.unsubscribe = this.authority.onChange(
      () => void this.refresh().catch((err: unknown) => this.logger.error({ err }, 'renewing the xDS server certificate failed')),
    );
    this.timer = setInterval(
      () => void this.refresh().catch((err: unknown) => this.logger.error({ err }, 'renewing the xDS server certificate failed')),
      60_000,
    ).unref();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    if (this.stopped) return;
    const bundle = this.authority.trustBundlePem();
    const root = this.authority.facts().activeRoot.fingerprint;
    if (bundle !== this.bundle) {
      this.bundle = bundle;
      this.ca = { caCertificate: Buffer.from(bundle) };
      for (const l of this.caListeners) l(this.ca);
    }
    if (root === this.issuedFrom && Date.now() < this.renewAt) return;
    this.issuedFrom = root;
    const cert = await this.authority.serverCertificate(XDS_SERVER_IDENTITY, this.dnsNames, this.ipAddresses, XDS_SERVER_CERT_TTL_MS);
    this.renewAt = cert.notBefore + (cert.notAfter - cert.notBefore) / 2;
    this.identity = { certificate: Buffer.from(cert.certPem), privateKey: Buffer.from(cert.keyPem) };
    for (const l of this.identityListeners) l(this.identity);
    this.logger.info({ notAfter: new Date(cert.notAfter).toISOString(), root: root.slice(0, 23) }, 'xDS server certificate issued');
  }

  // The current material is handed over on the next tick, not synchronously: grpc-js adds its
  // own watcher only after registering these listeners, and would miss a synchronous first update.
  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    process.nextTick(() => this.ca && this.caListeners.has(listener) && listener(this.ca));
  }
  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }
  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    process.nextTick(() => this.identity && this.identityListeners.has(listener) && listener(this.identity));
  }
  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }
}

/**
 * TLS for the xDS listener, with a server certificate from the mesh CA. Proxies trust the CA
 * bundle. A client certificate is asked for but not required: one that chains to the bundle
 * proves its SPIFFE ID's service (ca/stream-auth.ts); without one a stream must send an xDS token.
 */
export async function xdsServerCredentials(
  ca: CertificateAuthority,
  namesFlag: string,
  bindHost: string,
  logger: Logger,
): Promise<{ credentials: grpc.ServerCredentials; stop(): void }> {
  const names = namesFlag
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const dns = names.filter((n) => isIP(n) === 0);
  const ips = [
    ...new Set([...names.filter((n) => isIP(n) !== 0), '127.0.0.1', ...(isIP(bindHost) && bindHost !== '0.0.0.0' && bindHost !== '::' ? [bindHost] : [])]),
  ];
  const provider = new XdsServerCertificates(ca, dns, ips, logger);
  await provider.start();
  return { credentials: grpc.experimental.createCertificateProviderServerCredentials(provider, provider, false), stop: () => provider.stop() };
}
