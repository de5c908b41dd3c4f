import type { Logger } from 'pino';
import type { CertificateAuthority } from './authority';
import type { MeshSecurityMaterial, WorkloadKeyPair } from '../model';

/** What needs a workload certificate: a service, or a gateway with the DNS names its https listeners present. */
export interface CertificateSubject {
  readonly name: string;
  readonly dnsNames?: readonly string[];
}

/**
 * Keeps a workload certificate for every service in the mesh, renewed at half life, and hands
 * translation the material. Issuing for every service up front (not on first connection) means
 * a proxy's first snapshot already carries its certificate.
 */
export class CertificateKeeper {
  private material: MeshSecurityMaterial;
  private timer?: NodeJS.Timeout;
  private services: readonly CertificateSubject[] = [];

  constructor(
    private readonly ca: CertificateAuthority,
    private readonly logger: Logger,
    private readonly onIssued: (count: number) => void,
    /** Told when certificates or the bundle changed (renewal, rotation), to re-publish. */
    private readonly onChanged: () => void,
  ) {
    this.material = { trustBundlePem: ca.trustBundlePem(), certificates: new Map() };
  }

  get current(): MeshSecurityMaterial {
    return this.material;
  }

  /** Issues what is missing or due for these services; resolves once the material is current. */
  async ensure(services: readonly CertificateSubject[] = this.services): Promise<void> {
    this.services = services;
    const before = this.ca.issuedCount;
    const previous = this.material;
    const certificates = new Map<string, WorkloadKeyPair>();
    for (const svc of services) {
      const cert = await this.ca.certificateFor(svc.name, svc.dnsNames ?? []);
      certificates.set(svc.name, { certPem: cert.certPem, keyPem: cert.keyPem });
    }
    this.material = { trustBundlePem: this.ca.trustBundlePem(), certificates };
    if (this.ca.issuedCount > before) this.onIssued(this.ca.issuedCount - before);
    this.scheduleRenewal();
    if (!sameMaterial(previous, this.material)) this.onChanged();
  }

  private scheduleRenewal(): void {
    if (this.timer) clearTimeout(this.timer);
    const next = this.ca.nextRenewalAt();
    if (next === undefined) return;
    // setTimeout holds at most ~24.8 days; renewals are far more frequent than that anyway.
    const delay = Math.min(Math.max(0, next - Date.now()) + 1000, 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.ensure().catch((err: unknown) => this.logger.error({ err }, 'certificate renewal failed; will retry'));
    }, delay);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

function sameMaterial(a: MeshSecurityMaterial, b: MeshSecurityMaterial): boolean {
  if (a.trustBundlePem !== b.trustBundlePem || a.certificates.size !== b.certificates.size) return false;
  for (const [service, pair] of a.certificates) if (b.certificates.get(service)?.certPem !== pair.certPem) return false;
  return true;
}
