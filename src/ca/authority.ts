import { writeFileDurablySync } from '../util/durable-write';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { KeyType } from './keys';
import { createRoot, loadRoot, recoverPendingRoot, rootFromPem, saveRoot, type RootAuthority } from './root';
import { issueWorkloadCertificate, type WorkloadCertificate } from './workload';

export interface CaOptions {
  /** Where our own root lives: `<dir>/root-{cert,key}.pem` and, mid-rotation, `previous-root-cert.pem`. */
  readonly dir: string;
  readonly trustDomain: string;
  readonly keyType?: KeyType;
  readonly workloadTtlMs?: number;
  /** Operator-supplied root; when set, nothing is created in dir. */
  readonly rootCertFile?: string;
  readonly rootKeyFile?: string;
  readonly now?: () => number;
}

export interface CaFacts {
  readonly trustDomain: string;
  readonly activeRoot: { subject: string; fingerprint: string; notAfter: string; keyType: KeyType };
  readonly previousRoot?: { subject: string; fingerprint: string; notAfter: string };
  readonly rotating: boolean;
  readonly workloadCertificates: number;
  readonly earliestWorkloadExpiry?: number;
}

const DAY = 24 * 3600_000;

/** A root and, mid-rotation, the previous root certificate: what replicas sharing a CA agree on. */
export interface SharedRootState {
  readonly certPem: string;
  readonly keyPem: string;
  readonly previousCertPem?: string;
}

/**
 * Where a shared CA (several replicas, one root) records rotations instead of the data dir.
 * Each call must be durable before it resolves; other replicas learn of it and call `adopt`.
 */
export interface RootPersistence {
  saveRotation(next: { certPem: string; keyPem: string }, previousCertPem: string): Promise<void>;
  saveRotationFinished(): Promise<void>;
}

/**
 * The mesh's certificate authority: one active root, a previous one kept in the trust bundle
 * while a rotation is under way, and one workload certificate per service, renewed at half life.
 */
export class CertificateAuthority {
  private readonly certs = new Map<string, WorkloadCertificate>();
  private readonly inFlight = new Map<string, Promise<WorkloadCertificate>>();
  private readonly listeners = new Set<() => void>();
  issuedCount = 0;

  private constructor(
    private readonly options: CaOptions,
    private active: RootAuthority,
    private previous: X509Certificate | undefined,
    private readonly persistence?: RootPersistence,
  ) {}

  /** A CA whose root is shared with other replicas (kept in etcd by the caller), not in `options.dir`. */
  static async shared(options: CaOptions, state: SharedRootState, persistence: RootPersistence, source: string): Promise<CertificateAuthority> {
    const root = await rootFromPem(state.certPem, state.keyPem, `${source} (certificate)`, `${source} (key)`);
    const previous = state.previousCertPem ? new X509Certificate(state.previousCertPem) : undefined;
    return new CertificateAuthority(options, root, previous, persistence);
  }

  /**
   * Takes on a root state another replica wrote (a rotation started or finished elsewhere):
   * certificates from a root that is no longer active are re-issued, and listeners re-push.
   */
  async adopt(state: SharedRootState): Promise<void> {
    const activeChanged = new X509Certificate(state.certPem).fingerprint256 !== this.active.cert.fingerprint256;
    const previousFingerprint = state.previousCertPem ? new X509Certificate(state.previousCertPem).fingerprint256 : undefined;
    if (!activeChanged && previousFingerprint === this.previous?.fingerprint256) return;
    if (activeChanged) this.active = await rootFromPem(state.certPem, state.keyPem, 'shared root (certificate)', 'shared root (key)');
    this.previous = state.previousCertPem ? new X509Certificate(state.previousCertPem) : undefined;
    this.changed();
    if (activeChanged) await this.renewDue();
  }

  static async open(options: CaOptions): Promise<CertificateAuthority> {
    if (options.rootCertFile || options.rootKeyFile) {
      if (!options.rootCertFile || !options.rootKeyFile) throw new Error('an operator-supplied root needs both a certificate file and a key file');
      return new CertificateAuthority(options, await loadRoot(options.rootCertFile, options.rootKeyFile), undefined);
    }
    const certFile = path.join(options.dir, 'root-cert.pem');
    const keyFile = path.join(options.dir, 'root-key.pem');
    if (fs.existsSync(options.dir)) recoverPendingRoot(options.dir, 'root');
    let root: RootAuthority;
    if (fs.existsSync(certFile) && fs.existsSync(keyFile)) root = await loadRoot(certFile, keyFile);
    else {
      const created = await createRoot(options.trustDomain, options.keyType ?? 'ecdsa-p256', options.now?.());
      saveRoot(options.dir, 'root', created.root.certPem, created.keyPem);
      root = created.root;
    }
    const previousFile = path.join(options.dir, 'previous-root-cert.pem');
    let previous = fs.existsSync(previousFile) ? new X509Certificate(fs.readFileSync(previousFile, 'utf8')) : undefined;
    if (previous?.fingerprint256 === root.cert.fingerprint256) {
      // A rotation that crashed after saving the old root as "previous" but before the new root:
      // nothing was rotated.
      fs.rmSync(previousFile, { force: true });
      previous = undefined;
    }
    return new CertificateAuthority(options, root, previous);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  get trustDomain(): string {
    return this.options.trustDomain;
  }

  get workloadTtlMs(): number {
    return this.options.workloadTtlMs ?? DAY;
  }

  /** PEM roots a peer must trust: the active one, and the previous one while rotating. */
  trustBundlePem(): string {
    return this.active.certPem + (this.previous ? this.previous.toString() : '');
  }

  get rotating(): boolean {
    return this.previous !== undefined;
  }

  /** Told when the bundle or any workload certificate changes, so secrets are re-pushed. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** The current certificate for a service, if one has been issued (synchronous, for translation). */
  currentCertificate(service: string): WorkloadCertificate | undefined {
    return this.certs.get(service);
  }

  /**
   * The service's certificate, issuing or renewing it if due. Concurrent callers share one issuance.
   * `dnsNames` (a gateway's internal names) are SANs besides the SPIFFE ID; a held certificate with
   * other names is re-issued. Undefined keeps whatever names the held certificate has (the agent
   * and renewals ask without knowing them).
   */
  async certificateFor(service: string, dnsNames?: readonly string[]): Promise<WorkloadCertificate> {
    const held = this.certs.get(service);
    const names = dnsNames ?? held?.dnsNames ?? [];
    const sameNames = held !== undefined && held.dnsNames.join(',') === names.join(',');
    if (held && sameNames && !this.isDue(held)) return held;
    let pending = this.inFlight.get(service);
    if (!pending) {
      pending = issueWorkloadCertificate(this.active, {
        trustDomain: this.options.trustDomain,
        service,
        keyType: this.options.keyType ?? 'ecdsa-p256',
        ttlMs: this.workloadTtlMs,
        now: this.now(),
        dnsNames: names,
      }).then((cert) => {
        this.certs.set(service, cert);
        this.inFlight.delete(service);
        this.issuedCount++;
        this.changed();
        return cert;
      });
      this.inFlight.set(service, pending);
    }
    return pending;
  }

  /** Renewal at half life, or at once for a certificate from a root that is no longer active. */
  isDue(cert: WorkloadCertificate): boolean {
    if (cert.issuerFingerprint !== this.active.cert.fingerprint256) return true;
    return this.now() >= cert.notBefore + (cert.notAfter - cert.notBefore) / 2;
  }

  /** When the next certificate falls due (for the renewal timer). */
  nextRenewalAt(): number | undefined {
    let next: number | undefined;
    for (const c of this.certs.values()) {
      const due = c.issuerFingerprint !== this.active.cert.fingerprint256 ? this.now() : c.notBefore + (c.notAfter - c.notBefore) / 2;
      next = next === undefined ? due : Math.min(next, due);
    }
    return next;
  }

  /**
   * A certificate for the control plane's own xDS listener: SPIFFE ID `…/svc/<name>` plus the DNS
   * names and IPs proxies dial. Not cached or renewed here: the listener takes it at start.
   */
  async serverCertificate(name: string, dnsNames: readonly string[], ipAddresses: readonly string[], ttlMs: number): Promise<WorkloadCertificate> {
    const cert = await issueWorkloadCertificate(this.active, {
      trustDomain: this.options.trustDomain,
      service: name,
      keyType: this.options.keyType ?? 'ecdsa-p256',
      ttlMs,
      now: this.now(),
      dnsNames,
      ipAddresses,
    });
    this.issuedCount++;
    return cert;
  }

  /** Re-issues every certificate that is due. */
  async renewDue(): Promise<number> {
    const due = [...this.certs.values()].filter((c) => this.isDue(c));
    await Promise.all(due.map((c) => this.certificateFor(c.service)));
    return due.length;
  }

  /**
   * Starts a root rotation: a new root signs from now on; the old one stays in the bundle until
   * finishRotation, which the caller invokes once every workload holds a new certificate.
   */
  async rotate(): Promise<void> {
    if (this.options.rootCertFile) throw new Error('the root is operator-supplied; rotate it by supplying new files');
    if (this.previous) throw new Error('a rotation is already under way; finish it first');
    const created = await createRoot(this.options.trustDomain, this.options.keyType ?? 'ecdsa-p256', this.now());
    if (this.persistence) {
      await this.persistence.saveRotation({ certPem: created.root.certPem, keyPem: created.keyPem }, this.active.certPem);
      this.previous = this.active.cert;
      this.active = created.root;
      this.changed();
      await this.renewDue();
      return;
    }
    // Order matters for a crash in between: the old root is saved as "previous" before the new
    // one replaces it, so a restart never loses the root that current certificates chain to.
    writeFileDurablySync(path.join(this.options.dir, 'previous-root-cert.pem'), this.active.certPem, 0o644);
    saveRoot(this.options.dir, 'root', created.root.certPem, created.keyPem);
    this.previous = this.active.cert;
    this.active = created.root;
    this.changed();
    await this.renewDue();
  }

  /** Whether every issued certificate now comes from the active root. */
  allCertificatesFromActiveRoot(): boolean {
    return [...this.certs.values()].every((c) => c.issuerFingerprint === this.active.cert.fingerprint256);
  }

  finishRotation(): void {
    if (!this.previous) return;
    if (!this.allCertificatesFromActiveRoot()) throw new Error('some workloads still hold certificates from the previous root');
    if (this.persistence) {
      // Other replicas drop the previous root when they see this. If the write fails they keep
      // trusting both roots (a superset of this bundle, so no handshake fails) until the next
      // rotation finishes.
      void this.persistence.saveRotationFinished().catch(() => undefined);
    } else fs.rmSync(path.join(this.options.dir, 'previous-root-cert.pem'), { force: true });
    this.previous = undefined;
    this.changed();
  }

  facts(): CaFacts {
    const expiries = [...this.certs.values()].map((c) => c.notAfter);
    return {
      trustDomain: this.options.trustDomain,
      activeRoot: {
        subject: this.active.cert.subject,
        fingerprint: this.active.cert.fingerprint256,
        notAfter: this.active.cert.validTo,
        keyType: this.active.keyType,
      },
      previousRoot: this.previous ? { subject: this.previous.subject, fingerprint: this.previous.fingerprint256, notAfter: this.previous.validTo } : undefined,
      rotating: this.rotating,
      workloadCertificates: this.certs.size,
      earliestWorkloadExpiry: expiries.length ? Math.min(...expiries) : undefined,
    };
  }

  rootExpiry(): number {
    return Date.parse(this.active.cert.validTo);
  }
}
