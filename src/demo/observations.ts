// What the traffic driver saw, counted as it happened. The live view renders it, `--json`
// prints it, and the demo test asserts on it: the numbers are observations, never configuration.
import type { CallOutcome, ShopReply } from './shop-messages';

export type Counts = Record<string, number>;

export interface Observations {
  /** frontend → catalog, no header: replies by catalog version, failures by status. */
  readonly catalog: { readonly byVersion: Counts; readonly failures: Counts };
  /** frontend → catalog with `x-canary: true`. */
  readonly canary: { readonly byVersion: Counts; readonly failures: Counts };
  /**
   * frontend → payments, which the policy refuses. `viaMesh`: dialled as xds:///payments like any
   * mesh call; `direct`: dialled at payments' registered address with frontend's certificate,
   * bypassing discovery. Outcomes by status ("OK" would mean the policy failed): via the mesh
   * DEADLINE_EXCEEDED (frontend is never told payments exists), direct PERMISSION_DENIED (payments' RBAC).
   */
  readonly frontendToPayments: { readonly viaMesh: Counts; readonly direct: Counts; readonly details: Record<string, string> };
  /** frontend → orders (checkout) → payments: what orders saw when it called payments. */
  readonly checkout: {
    paymentsOk: number;
    /** orders' calls to payments refused by payments' circuit breaker (maxRequests) before they were sent. */
    circuitBreakerTrips: number;
    readonly paymentsFailures: Counts;
    readonly ordersFailures: Counts;
    readonly details: Record<string, string>;
  };
  /**
   * orders' session affinity: for each shopper (x-user-id on the checkout call), which orders
   * instances answered. Affinity holds when every shopper has exactly one.
   */
  readonly affinity: Record<string, Counts>;
  /** For each service that answered: the caller identities it saw on its TLS connections. */
  readonly peers: Record<string, string[]>;
}

export interface DriverReport {
  readonly type: 'snapshot' | 'final';
  /** Milliseconds since traffic started (after warm-up). */
  readonly elapsedMs: number;
  readonly observations: Observations;
}

export function emptyObservations(): Observations {
  return {
    catalog: { byVersion: {}, failures: {} },
    canary: { byVersion: {}, failures: {} },
    frontendToPayments: { viaMesh: {}, direct: {}, details: {} },
    checkout: { paymentsOk: 0, circuitBreakerTrips: 0, paymentsFailures: {}, ordersFailures: {}, details: {} },
    affinity: {},
    peers: {},
  };
}

export function bump(counts: Counts, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

export function total(counts: Counts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

export function notePeer(obs: Observations, reply: ShopReply): void {
  obs.peers[reply.service] ??= [];
  const seen = obs.peers[reply.service];
  if (!seen.includes(reply.peer)) seen.push(reply.peer);
}

/**
 * grpc-js-xds refuses a call its cluster's circuit breaker has no room for at pick time, with
 * UNAVAILABLE "Call dropped by load balancing policy" (the call never leaves orders).
 */
export function isCircuitBreakerTrip(outcome: CallOutcome): boolean {
  return !outcome.ok && outcome.code === 'UNAVAILABLE' && /dropped by load balancing policy/i.test(outcome.details ?? '');
}

export function recordCatalog(obs: Observations, outcome: CallOutcome, canary: boolean): void {
  const bucket = canary ? obs.canary : obs.catalog;
  if (outcome.ok && outcome.reply) {
    bump(bucket.byVersion, outcome.reply.version ?? 'unversioned');
    notePeer(obs, outcome.reply);
  } else {
    bump(bucket.failures, outcome.code ?? 'UNKNOWN');
  }
}

export function recordCheckout(obs: Observations, outcome: CallOutcome, user?: string): void {
  const c = obs.checkout;
  if (!outcome.ok || !outcome.reply) {
    bump(c.ordersFailures, outcome.code ?? 'UNKNOWN');
    c.details[`orders ${outcome.code}`] = outcome.details ?? '';
    return;
  }
  notePeer(obs, outcome.reply);
  if (user !== undefined) {
    obs.affinity[user] ??= {};
    bump(obs.affinity[user], outcome.reply.instance);
  }
  const payments = outcome.reply.payments;
  if (!payments) return;
  if (payments.ok && payments.reply) {
    c.paymentsOk++;
    notePeer(obs, payments.reply);
  } else if (isCircuitBreakerTrip(payments)) {
    c.circuitBreakerTrips++;
    c.details['circuit breaker'] = payments.details ?? '';
  } else {
    bump(c.paymentsFailures, payments.code ?? 'UNKNOWN');
    c.details[`payments ${payments.code}`] = payments.details ?? '';
  }
}

export function recordRefusal(obs: Observations, path: 'viaMesh' | 'direct', outcome: CallOutcome): void {
  const key = outcome.ok ? 'OK' : (outcome.code ?? 'UNKNOWN');
  bump(obs.frontendToPayments[path], key);
  obs.frontendToPayments.details[`${path} ${key}`] = outcome.ok ? `answered by ${outcome.reply?.instance}` : (outcome.details ?? '');
}

/** Shoppers per orders instance, and how many shoppers were answered by more than one (affinity broken). */
export function affinitySummary(obs: Observations): { perInstance: Counts; moved: number; users: number } {
  const perInstance: Counts = {};
  let moved = 0;
  for (const byInstance of Object.values(obs.affinity)) {
    const instances = Object.keys(byInstance);
    if (instances.length > 1) moved++;
    for (const i of instances) bump(perInstance, i);
  }
  return { perInstance, moved, users: Object.keys(obs.affinity).length };
}
