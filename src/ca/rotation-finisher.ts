import type { Logger } from 'pino';
import type { CertificateAuthority } from './authority';
import { TypeUrl } from '../proto/type-urls';
import type { XdsServer } from '../xds';

/**
 * Ends a root rotation once every workload holds a certificate from the new root: all
 * certificates are re-issued, the push carrying them has gone out (a debounce window plus a
 * margin), and every stream that takes secrets has ACKed its latest SDS response. Until then
 * the bundle keeps both roots, so no handshake between old and new certificates fails.
 */
export class RotationFinisher {
  private timer?: NodeJS.Timeout;
  private startedAt = 0;

  constructor(
    private readonly ca: CertificateAuthority,
    private readonly xds: XdsServer,
    private readonly debounceMs: number,
    private readonly logger: Logger,
    private readonly republish: () => Promise<void>,
    /** Whether this server may end rotations (over etcd: only the leader replica). */
    private readonly mayFinish: () => boolean = () => true,
  ) {}

  start(): void {
    this.startedAt = Date.now();
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), 500);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    if (!this.ca.rotating) return this.stop();
    if (!this.mayFinish()) return;
    if (Date.now() - this.startedAt < this.debounceMs + 1000 || !this.ca.allCertificatesFromActiveRoot()) return;
    const unsynced = this.xds.streams().filter((s) => s.types.some((t) => t.typeUrl === TypeUrl.Secret && (t.pendingAck || t.ackedVersion !== t.sentVersion)));
    if (unsynced.length > 0) return;
    this.ca.finishRotation();
    this.logger.info({ root: this.ca.facts().activeRoot.fingerprint }, 'root rotation finished: the previous root left the trust bundle');
    this.stop();
    await this.republish();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
