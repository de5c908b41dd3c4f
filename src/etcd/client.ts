// The one etcd client a replica uses (registry, leadership, shared CA, shared mesh file), with
// the fault handling the rest of the code relies on: every unary call has a deadline, so a
// write against an unreachable etcd fails in seconds instead of hanging an admin request;
// failed calls are retried on another member; and watches reconnect within a second or so
// once etcd is back, so replicas catch up promptly.

import { ConsecutiveBreaker, ExponentialBackoff, handleWhen, retry, circuitBreaker, type IBackoff } from 'cockatiel';
import { Etcd3, isRecoverableError } from 'etcd3';

export interface EtcdClientOptions {
  /** Client URLs (`http://10.0.0.1:2379`), any member of the cluster. */
  readonly endpoints: readonly string[];
  /** Deadline of each unary call; default 2s. */
  readonly callTimeoutMs?: number;
  /**
   * TLS to etcd (https:// endpoints): the CA that signed etcd's server certificates and, for
   * etcd's --client-cert-auth, this replica's client certificate and key (PEM).
   */
  readonly tls?: { readonly ca: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  /** etcd's own users (`etcdctl user add`, `auth enable`). */
  readonly auth?: { readonly username: string; readonly password: string };
}

export const DEFAULT_ETCD_CALL_TIMEOUT_MS = 2_000;

export function connectEtcd(options: EtcdClientOptions): Etcd3 {
  const callTimeoutMs = options.callTimeoutMs ?? DEFAULT_ETCD_CALL_TIMEOUT_MS;
  return new Etcd3({
    hosts: [...options.endpoints],
    ...(options.tls && { credentials: { rootCertificate: options.tls.ca, privateKey: options.tls.key, certChain: options.tls.cert } }),
    ...(options.auth && { auth: { username: options.auth.username, password: options.auth.password } }),
    dialTimeout: callTimeoutMs,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
    faultHandling: {
      // A member that keeps failing is skipped for a second, then tried again.
      host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(2) }),
      // Two more tries, each on another member: a stopped member costs one fast failure.
      global: retry(handleWhen(isRecoverableError), { maxAttempts: 2, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 200 }) }),
      // etcd3 declares an IBackoff here but calls `.next()` on it as a factory (watch.js), which
      // is what cockatiel 3's ExponentialBackoff is: the cast bridges the declaration only.
      watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1_000 }) as unknown as IBackoff<unknown>,
    },
  });
}

/** Parses `--etcd-endpoints`: comma-separated http(s) URLs; returns an error sentence or the list. */
export function parseEtcdEndpoints(value: string): string[] | string {
  const endpoints = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (endpoints.length === 0) return 'expected one or more etcd client URLs, comma-separated';
  for (const endpoint of endpoints) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return `"${endpoint}" is not a URL (expected e.g. http://127.0.0.1:2379)`;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${endpoint}": expected an http:// or https:// URL`;
    if (url.port === '') return `"${endpoint}": give the port (etcd's client port is usually 2379)`;
  }
  return endpoints;
}
