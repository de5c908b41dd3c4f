import type { Logger } from 'pino';
import type { MeshState, ProxyIdentity, Problem } from '../model';
import type { ResourceSet } from '../xds/resource-set';
import type { GroupDemandHandler, SnapshotCache } from '../xds';
import { RESOURCE_TYPE_URLS } from '../proto/type-urls';

/** The translation stage as the publisher sees it (implemented by src/translate). */
export interface Translator {
  groupKey(state: MeshState, proxy: ProxyIdentity): string;
  translate(state: MeshState, proxy: ProxyIdentity): { resources: ResourceSet; warnings: string[] };
  /**
   * `previous` (translated from `before`) brought up to `state` by rebuilding only what depends on
   * `services`, or undefined when that cannot be exact and a full translation is needed.
   */
  patch?(
    before: MeshState,
    state: MeshState,
    proxy: ProxyIdentity,
    previous: ResourceSet,
    services: ReadonlySet<string>,
  ): { resources: ResourceSet; warnings: string[] } | undefined;
  /** Services whose policy or instances a proxy's config is built from. */
  dependsOn(state: MeshState, proxy: ProxyIdentity): readonly string[];
}

export type ResourceValidator = (typeUrl: string, message: object) => Problem[];

export interface PublisherEvents {
  /** A group's translation failed validation: its last good snapshot stays. */
  translationRejected?(group: string, problems: Problem[]): void;
  published?(group: string, durationMs: number): void;
}

/**
 * Turns mesh states into snapshots. Translation runs per proxy group (proxies that would get
 * the same config share one), only for groups with a connected proxy, and on a change only for
 * groups whose config depends on something that changed. Bursts of changes are debounced.
 */
export class MeshPublisher implements GroupDemandHandler {
  private state: MeshState;
  private pending?: MeshState | (() => MeshState);
  private timer?: NodeJS.Timeout;
  private readonly groups = new Map<string, { proxy: ProxyIdentity; deps: Set<string>; last?: ResourceSet }>();
  private readonly validated = new WeakSet<object>();
  publishCount = 0;
  /** Publications that patched a group's last set instead of translating it in full. */
  patchCount = 0;
  /** How long the last flush took, and when it ended: a change soon after a long flush waits longer (see update). */
  private lastFlushMs = 0;
  private lastFlushEnd = 0;

  constructor(
    initial: MeshState,
    private readonly cache: SnapshotCache,
    private readonly translator: Translator,
    private readonly logger: Logger,
    private readonly debounceMs: number,
    private readonly validate?: ResourceValidator,
    private readonly events: PublisherEvents = {},
  ) {
    this.state = initial;
  }

  get current(): MeshState {
    return this.state;
  }

  /** The group a proxy belongs to; remembered so the first stream of a group can be served at once. */
  /** Groups with a snapshot or a stream now (each costs a translation per state). */
  get groupCount(): number {
    return this.groups.size;
  }

  /** Whether `proxy` would join a group that exists already (so a cap on groups does not refuse it). */
  hasGroupFor(proxy: ProxyIdentity): boolean {
    return this.groups.has(this.translator.groupKey(this.state, proxy));
  }

  groupFor(proxy: ProxyIdentity): string {
    const key = this.translator.groupKey(this.state, proxy);
    if (!this.groups.has(key)) this.groups.set(key, { proxy, deps: new Set() });
    return key;
  }

  opened(group: string): void {
    if (!this.cache.getSnapshot(group)) this.publish(group);
  }

  closed(group: string): void {
    this.groups.delete(group);
    this.cache.clearSnapshot(group);
  }

  /**
   * Offers a new state; it is applied after the debounce window, coalesced with any others. A
   * function is called only then: building a state (merging instances, counting them for
   * metrics) once per window instead of once per registry write is what keeps a burst of
   * registrations cheap.
   */
  update(next: MeshState | (() => MeshState)): void {
    this.pending = next;
    if (this.timer) return;
    // A fixed window from the first change (not sliding), so a steady stream of changes still
    // converges within debounceMs. A flush that took longer than the window, and ended only just
    // now, stretches the next window to match: under a steady stream of registrations publishing
    // then takes at most about half the CPU and the registry's writes keep flowing, each flush
    // coalescing more of them, instead of flushes of a few changes each running back to back.
    // A change after a quiet spell waits only the debounce window.
    const sinceLastFlush = performance.now() - this.lastFlushEnd;
    this.timer = setTimeout(() => this.flush(), Math.max(this.debounceMs, this.lastFlushMs - sinceLastFlush));
  }

  /** Applies a pending state now (tests and shutdown). */
  flush(): void {
    const started = performance.now();
    try {
      this.applyPending();
    } finally {
      this.lastFlushEnd = performance.now();
      this.lastFlushMs = this.lastFlushEnd - started;
    }
  }

  private applyPending(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const offered = this.pending;
    if (!offered) return;
    this.pending = undefined;
    const next = typeof offered === 'function' ? offered() : offered;
    const before = this.state;
    const changed = changedServices(before, next);
    this.state = next;
    for (const [group, entry] of this.groups) {
      if (changed === 'all') {
        this.publish(group);
        continue;
      }
      // Usually one or a few services changed and a group depends on many: walk the short list.
      const relevant = new Set([...changed].filter((s) => entry.deps.has(s)));
      if (relevant.size > 0) this.publish(group, { before, services: relevant });
    }
  }

  /** Translates a group in full, or (after a change to `services` only) patches its last published set. */
  private publish(group: string, change?: { before: MeshState; services: ReadonlySet<string> }): void {
    const entry = this.groups.get(group);
    if (!entry) return;
    const started = performance.now();
    const patched = change && entry.last ? this.translator.patch?.(change.before, this.state, entry.proxy, entry.last, change.services) : undefined;
    const { resources, warnings } = patched ?? this.translator.translate(this.state, entry.proxy);
    if (!patched) entry.deps = new Set(this.translator.dependsOn(this.state, entry.proxy));
    if (patched) this.patchCount++;
    for (const w of warnings) this.logger.debug({ group }, w);
    const problems = this.validateSet(resources);
    if (problems.length > 0) {
      // A bad translation is an error here, at the boundary, never a NACK at the proxy.
      this.logger.error(
        { group, problems: problems.slice(0, 5).map((p) => `${p.path}: ${p.message}`) },
        'translation failed validation; keeping the last good config for this group',
      );
      this.events.translationRejected?.(group, problems);
      // The next change must start from a full translation, not from a set that was never published.
      entry.last = undefined;
      return;
    }
    entry.last = resources;
    this.cache.setSnapshot(group, resources, this.state.changedAt);
    this.publishCount++;
    this.events.published?.(group, performance.now() - started);
  }

  private validateSet(resources: ResourceSet): Problem[] {
    if (!this.validate) return [];
    const problems: Problem[] = [];
    for (const typeUrl of RESOURCE_TYPE_URLS) {
      for (const r of resources[typeUrl] ?? []) {
        if (this.validated.has(r.message)) continue;
        const found = this.validate(typeUrl, r.message);
        if (found.length === 0) this.validated.add(r.message);
        else problems.push(...found.map((p) => ({ ...p, path: `${r.name}: ${p.path}` })));
      }
    }
    return problems;
  }
}

/** Which services differ between two states; 'all' when mesh-wide settings changed. */
export function changedServices(before: MeshState, after: MeshState): Set<string> | 'all' {
  if (JSON.stringify(before.config.mesh) !== JSON.stringify(after.config.mesh)) return 'all';
  // Every proxy that takes secrets holds the bundle; a service's own certificate is part of its
  // proxies' config only (translation depends on the proxy's own service).
  if (before.security?.trustBundlePem !== after.security?.trustBundlePem) return 'all';
  const changed = new Set<string>();
  for (const name of new Set([...(before.security?.certificates.keys() ?? []), ...(after.security?.certificates.keys() ?? [])])) {
    if (before.security?.certificates.get(name)?.certPem !== after.security?.certificates.get(name)?.certPem) changed.add(name);
  }
  const policies = (s: MeshState) => new Map(s.config.services.map((p) => [p.name, p]));
  const a = policies(before);
  const b = policies(after);
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const pa = a.get(name);
    const pb = b.get(name);
    if (pa !== pb && JSON.stringify(pa) !== JSON.stringify(pb)) changed.add(name);
  }
  for (const name of new Set([...before.instances.keys(), ...after.instances.keys()])) {
    const ia = before.instances.get(name);
    const ib = after.instances.get(name);
    if (ia !== ib && JSON.stringify(ia) !== JSON.stringify(ib)) changed.add(name);
  }
  // Who may call whom depends on every service's allow list (and on a service existing at
  // all), so a change there re-translates every group, not just the service's own dependants.
  if ([...changed].some((n) => a.has(n) !== b.has(n) || JSON.stringify(a.get(n)?.allow) !== JSON.stringify(b.get(n)?.allow))) return 'all';
  return changed;
}
