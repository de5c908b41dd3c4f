// What every builder needs to know about the translation in progress.
import type { MeshState, ProxyIdentity, ServicePolicy } from '../model';
import type { ResolvedOptions } from './options';
import type { SecurityHooks } from './security';

/**
 * Warnings about policy a consumer cannot apply as written. Kept in first-reported order
 * (builders run in a fixed order, so that order is deterministic) and without repeats: a
 * service's load-balancer warning would otherwise appear once per subset cluster.
 */
export class Warnings {
  private readonly seen = new Set<string>();

  add(service: string, message: string): void {
    this.seen.add(service ? `${service}: ${message}` : message);
  }

  list(): string[] {
    return [...this.seen];
  }
}

export interface TranslateContext {
  readonly state: MeshState;
  readonly proxy: ProxyIdentity;
  readonly options: ResolvedOptions;
  readonly security: SecurityHooks;
  readonly warnings: Warnings;
  /** Service policies by name. */
  readonly services: ReadonlyMap<string, ServicePolicy>;
}

export function isGrpcClient(ctx: TranslateContext): boolean {
  return ctx.proxy.kind === 'grpc';
}
