// The three lease operations the registry needs, on etcd's raw lease API. etcd3's `Lease`
// class is built to keep its own lease alive from one process; here a lease outlives the
// replica that granted it (any replica may renew it when a heartbeat arrives), so leases are
// addressed by id.

import type { Etcd3 } from 'etcd3';
import { leaseSecondsFor } from './etcd-record';

export class EtcdLeases {
  constructor(
    private readonly client: Etcd3,
    private readonly callTimeoutMs = 2_000,
  ) {}

  /** Grants a lease of the TTL rounded up to whole seconds; returns its id. */
  async grant(ttlMs: number): Promise<string> {
    const response = await this.client.leaseClient.leaseGrant({ TTL: leaseSecondsFor(ttlMs), ID: 0 });
    return response.ID;
  }

  /** One keep-alive; false if etcd says the lease no longer exists (it lapsed or was revoked). */
  async keepAlive(lease: string): Promise<boolean> {
    const stream = await this.client.leaseClient.leaseKeepAlive({ deadline: Date.now() + this.callTimeoutMs });
    return new Promise<boolean>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        outcome();
        stream.end();
      };
      stream.on('data', (response) => settle(() => resolve(Number(response.TTL) > 0)));
      stream.on('error', (error) => settle(() => reject(error)));
      stream.on('end', () => settle(() => reject(new Error('etcd closed the keep-alive stream without an answer'))));
      stream.write({ ID: lease });
    });
  }

  /** Revokes a lease nobody needs any more; if that fails it simply runs out. */
  revokeQuietly(lease: string): void {
    this.client.leaseClient.leaseRevoke({ ID: lease }).catch(() => undefined);
  }
}
