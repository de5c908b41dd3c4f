// Prometheus metrics, all prefixed switchyard_. The admin server exposes `registry`.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { shortTypeName } from '../proto/type-urls';
import type { RejectReason, StreamInfo, XdsObserver } from '../xds/observer';
import type { StreamStatus } from '../xds/stream-status';

/** Convergence spans debounce (~100 ms) to seconds for big meshes or slow proxies. */
const CONVERGENCE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class SwitchyardMetrics {
  readonly registry = new Registry();

  readonly streams = new Gauge({
    name: 'switchyard_xds_streams',
    help: 'Connected xDS streams',
    labelNames: ['proxy_kind', 'protocol', 'service'] as const,
    registers: [this.registry],
  });
  readonly streamsOpened = new Counter({
    name: 'switchyard_xds_streams_opened_total',
    help: 'xDS streams opened',
    labelNames: ['protocol', 'service'] as const,
    registers: [this.registry],
  });
  readonly pushes = new Counter({
    name: 'switchyard_xds_pushes_total',
    help: 'xDS responses sent',
    labelNames: ['type', 'protocol'] as const,
    registers: [this.registry],
  });
  readonly pushBytes = new Counter({
    name: 'switchyard_xds_push_bytes_total',
    help: 'Bytes of xDS responses sent',
    labelNames: ['type', 'protocol'] as const,
    registers: [this.registry],
  });
  readonly acks = new Counter({ name: 'switchyard_xds_acks_total', help: 'xDS ACKs received', labelNames: ['type'] as const, registers: [this.registry] });
  readonly nacks = new Counter({
    name: 'switchyard_xds_nacks_total',
    help: 'xDS NACKs received (proxy rejected a push)',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly rejectedRequests = new Counter({
    name: 'switchyard_xds_rejected_requests_total',
    help: 'xDS requests refused or ignored',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly limitHits = new Counter({
    name: 'switchyard_limit_hits_total',
    help: 'Requests, streams or inputs refused by a limit (the label names it: streams, streams_per_connection, request_bytes, names_per_request, names_per_stream, groups, unknown_service, mesh_file_bytes, yaml_aliases, log_field_length, warnings_suppressed)',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly convergence = new Histogram({
    name: 'switchyard_xds_convergence_seconds',
    help: 'Time from a registry or config change to the proxy ACKing the push that carries it',
    labelNames: ['type'] as const,
    buckets: CONVERGENCE_BUCKETS,
    registers: [this.registry],
  });
  readonly translateSeconds = new Histogram({
    name: 'switchyard_translate_duration_seconds',
    help: 'Time to translate and publish one proxy group',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });
  readonly translationRejected = new Counter({
    name: 'switchyard_translation_rejected_total',
    help: 'Translations refused by resource validation (the group keeps its last good config)',
    registers: [this.registry],
  });
  readonly registryInstances = new Gauge({
    name: 'switchyard_registry_instances',
    help: 'Registered and static instances',
    labelNames: ['service', 'health'] as const,
    registers: [this.registry],
  });
  readonly configReloads = new Counter({ name: 'switchyard_config_reloads_total', help: 'Mesh file reloads applied', registers: [this.registry] });
  readonly configReloadFailures = new Counter({
    name: 'switchyard_config_reload_failures_total',
    help: 'Mesh file reloads rejected as invalid (the last valid config stays)',
    registers: [this.registry],
  });
  readonly configValid = new Gauge({
    name: 'switchyard_config_last_reload_successful',
    help: '1 if the last mesh file load was valid, else 0',
    registers: [this.registry],
  });
  readonly certificatesIssued = new Counter({
    name: 'switchyard_ca_certificates_issued_total',
    help: 'Workload certificates issued',
    labelNames: ['key_type'] as const,
    registers: [this.registry],
  });
  readonly rootExpirySeconds = new Gauge({
    name: 'switchyard_ca_root_expiry_seconds',
    help: 'Seconds until the active root certificate expires',
    registers: [this.registry],
  });
  readonly workloadExpirySeconds = new Gauge({
    name: 'switchyard_ca_workload_cert_earliest_expiry_seconds',
    help: 'Seconds until the earliest-expiring workload certificate in use expires',
    registers: [this.registry],
  });

  // Read at scrape time from the running stages (see track*): a gauge set on events could drift
  // from the truth, for example when a stream closes while a push is still un-ACKed.
  private syncSource: () => readonly StreamStatus[] = () => [];
  private rotationSource: () => boolean = () => false;
  readonly proxiesUnsynced: Gauge = new Gauge({
    name: 'switchyard_xds_proxies_unsynced',
    help: 'Connected proxies holding something other than the latest push for some type (un-ACKed or NACKed)',
    registers: [this.registry],
    collect: (): void => {
      let unsynced = 0;
      for (const s of this.syncSource()) if (s.nodeId !== undefined && s.types.some((t) => t.pendingAck || t.sentVersion !== t.ackedVersion)) unsynced++;
      this.proxiesUnsynced.set(unsynced);
    },
  });
  readonly rotationInProgress: Gauge = new Gauge({
    name: 'switchyard_ca_rotation_in_progress',
    help: '1 while a CA root rotation is under way (both roots in the bundle), else 0',
    registers: [this.registry],
    collect: (): void => this.rotationInProgress.set(this.rotationSource() ? 1 : 0),
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // prom-client also exports three gauges named *_total, a suffix Prometheus reserves for
    // counters (promtool rejects them); their information is in nodejs_active_handles,
    // nodejs_active_requests and nodejs_active_resources, which it exports as well.
    // A labelled counter has no series until its first increment, and Prometheus' increase()
    // cannot see a series' first sample as an increase: the first NACK of a type would never
    // fire SwitchyardXdsNacks. Every type starts at 0 instead.
    for (const type of ['CDS', 'EDS', 'LDS', 'RDS', 'SDS']) this.nacks.inc({ type }, 0);
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
  }

  /** Where switchyard_xds_proxies_unsynced reads the streams' sync state from. */
  trackSync(streams: () => readonly StreamStatus[]): void {
    this.syncSource = streams;
  }

  /** Where switchyard_ca_rotation_in_progress reads the CA's rotation state from. */
  trackRotation(rotating: () => boolean): void {
    this.rotationSource = rotating;
  }

  /**
   * Adds switchyard_etcd_up, probed at each scrape: only a server with a registry in etcd has it,
   * so an alert on it never fires for an embedded registry (where there is no etcd to lose).
   */
  trackEtcd(writable: () => Promise<{ ready: boolean }>): void {
    const gauge: Gauge = new Gauge({
      name: 'switchyard_etcd_up',
      help: '1 if etcd answered this replica (registry writes can succeed), else 0',
      registers: [this.registry],
      collect: async () => {
        const ready = await writable().then(
          (r) => r.ready,
          () => false,
        );
        gauge.set(ready ? 1 : 0);
      },
    });
  }

  /** Records instance counts from a registry view (service → instances with health). */
  setInstances(instances: ReadonlyMap<string, ReadonlyArray<{ health: string }>>): void {
    this.registryInstances.reset();
    for (const [service, list] of instances) {
      let healthy = 0;
      for (const i of list) if (i.health === 'healthy') healthy++;
      this.registryInstances.set({ service, health: 'healthy' }, healthy);
      this.registryInstances.set({ service, health: 'unhealthy' }, list.length - healthy);
    }
  }

  /** The xDS server's observer: streams, pushes, ACK/NACK and convergence. */
  xdsObserver(kindOf: (info: StreamInfo) => string): XdsObserver {
    const streamLabels = (info: StreamInfo) => ({ proxy_kind: kindOf(info), protocol: info.protocol, service: info.service });
    const bound = new Set<number>();
    return {
      streamOpened: (info) => this.streamsOpened.inc({ protocol: info.protocol, service: info.service }),
      // Counted once bound to a node: before that the proxy's kind is unknown.
      responseSent: (info, typeUrl, _v, bytes) => {
        if (!bound.has(info.id)) {
          bound.add(info.id);
          this.streams.inc(streamLabels(info));
        }
        const labels = { type: shortTypeName(typeUrl), protocol: info.protocol };
        this.pushes.inc(labels);
        this.pushBytes.inc(labels, bytes);
      },
      streamClosed: (info) => {
        if (bound.delete(info.id)) this.streams.dec(streamLabels(info));
      },
      ackReceived: (_info, typeUrl, _v, convergenceMs) => {
        const type = shortTypeName(typeUrl);
        this.acks.inc({ type });
        if (convergenceMs !== undefined) this.convergence.observe({ type }, convergenceMs / 1000);
      },
      nackReceived: (_info, typeUrl) => this.nacks.inc({ type: shortTypeName(typeUrl) }),
      requestRejected: (_info, reason: RejectReason) => this.rejectedRequests.inc({ reason }),
    };
  }
}
