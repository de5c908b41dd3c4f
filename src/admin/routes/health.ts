// Liveness and readiness. Readiness is a list of named checks the composition root supplies
// (registry loaded, CA ready, mesh file valid, …), each reported with its own detail.

import { access, jsonResponse, type RouteDefinition } from '../route';

export interface ReadinessResult {
  readonly ready: boolean;
  /** Why not ready, or a useful fact when ready (e.g. "revision 42"). */
  readonly detail?: string;
}

export interface ReadinessCheck {
  readonly name: string;
  check(): ReadinessResult | Promise<ReadinessResult>;
}

export interface HealthRoutesOptions {
  readonly checks: readonly ReadinessCheck[];
  /** A check slower than this counts as not ready, so /readyz always answers. */
  readonly checkTimeoutMs?: number;
}

interface CheckReport extends ReadinessResult {
  readonly name: string;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckReport> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ReadinessResult>((resolve) => {
    timer = setTimeout(() => resolve({ ready: false, detail: `check did not answer within ${timeoutMs}ms` }), timeoutMs);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(() => check.check()), timeout]);
    return { name: check.name, ready: result.ready, ...(result.detail !== undefined && { detail: result.detail }) };
  } catch (error) {
    return { name: check.name, ready: false, detail: `check failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(options: HealthRoutesOptions): RouteDefinition[] {
  const timeoutMs = options.checkTimeoutMs ?? 2_000;
  return [
    {
      method: 'GET',
      path: '/healthz',
      access: access.public('orchestrators probe liveness without credentials'),
      handler: () => jsonResponse(200, { status: 'ok' }),
    },
    {
      method: 'GET',
      path: '/readyz',
      access: access.public('orchestrators and load balancers probe readiness without credentials'),
      handler: async () => {
        const checks = await Promise.all(options.checks.map((check) => runCheck(check, timeoutMs)));
        const ready = checks.every((check) => check.ready);
        return jsonResponse(ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', checks });
      },
    },
  ];
}
