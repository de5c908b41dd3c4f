// What every builder needs to know about the translation in progress.
import type { MeshState, ProxyIdentity, ServicePolicy } from '../model';
import type { ConsumerDialect } from './consumers';
import type { ResolvedOptions } from './options';
import type { TranslationMemo } from './memo';
import type { SecurityHooks } from './security';

/**
 * Warnings about policy a consumer cannot apply as written. Kept in first-reported order
 * (builders run in a fixed order, so that order is deterministic) and without repeats: a
 * service's load-balancer warning would otherwise appear once per subset cluster.
 */
export class Warnings {
  private readonly seen = new Set<string>();
  private readonly recorders: string[][] = [];

  add(service: string, message: string): void {
    this.note(service ? `${service}: ${message}` : message);
  }

  /** Runs `build`, returning what it reported as well (repeats included), so a reused result can replay it. */
  recording<T>(build: () => T): { value: T; warnings: string[] } {
    const recorder: string[] = [];
    this.recorders.push(recorder);
    try {
      return { value: build(), warnings: recorder };
    } finally {
      this.recorders.pop();
    }
  }

  replay(warnings: readonly string[]): void {
    for (const w of warnings) this.note(w);
  }

  private note(warning: string): void {
    this.seen.add(warning);
    for (const r of this.recorders) r.push(warning);
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
  /** Per-target pieces shared across groups and states (createTranslator keeps one); absent, everything is built afresh. */
  readonly memo?: TranslationMemo;
  /** How this consumer differs from the default for its kind (consumers.ts). */
  readonly dialect: ConsumerDialect;
  /** The consumer kind, plus its dialect when it has one: what a memoized piece built differently per consumer is keyed by. */
  readonly consumerVariant: string;
  /** What upstream clusters depend on besides their target: the consumer variant and the security hooks' upstream variant. */
  readonly upstreamVariant: string;
}

export function isGrpcClient(ctx: TranslateContext): boolean {
  return ctx.proxy.kind === 'grpc';
}

/** The kind alone for default consumers (so their keys are what they were before dialects existed). */
export function consumerVariantOf(kind: string, dialect: ConsumerDialect): string {
  return dialect.key === '' ? kind : `${kind}+${dialect.key}`;
}
