import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { CertificateAuthority } from './authority';
import { TypeUrl } from '../proto/type-urls';
import type { XdsServer } from '../xds';

/**
 * Ends a root rotation once every workload holds a certificate from the new root: all
 * certificates are re-issued, the push carrying them has gone out (a debounce window plus a
 * margin), and every authenticated stream that was sent secrets has ACKed its latest SDS
 * response. Until then the bundle keeps both roots, so no handshake between old and new
 * certificates fails.
 *
 * Only streams that were sent secrets count (anonymous ones never are), and none may hold a
 * rotation forever: after `graceMs` the streams still behind are disconnected (UNAVAILABLE;
 * a proxy that reconnects is sent the new certificate and bundle) and the rotation finishes.
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
    /** --rotation-grace: how long laggards may hold the previous root in the bundle. */
    private readonly graceMs: number,
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
    const unsynced = this.xds
      .streams()
      .filter(
        (s) =>
          s.authenticated === true &&
          s.types.some((t) => t.typeUrl === TypeUrl.Secret && t.sentVersion !== undefined && (t.pendingAck || t.ackedVersion !== t.sentVersion)),
      );
    if (unsynced.length > 0) {
      if (Date.now() - this.startedAt < this.graceMs) return;
      const laggards = new Set(unsynced.map((s) => s.id));
      const ended = this.xds.endStreams(
        (s) => laggards.has(s.info.id),
        grpc.status.UNAVAILABLE,
        'root rotation: this stream did not ACK its new certificate within the rotation grace period; reconnect',
      );
      this.logger.warn(
        { streams: ended, nodes: unsynced.map((s) => s.nodeId), graceMs: this.graceMs },
        'root rotation grace period over: disconnected the streams that had not ACKed their new secrets',
      );
    }
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
