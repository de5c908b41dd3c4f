// Translation per consumer. Each xDS client implements its own subset of xDS and NACKs what it
// does not understand, so what a proxy is sent depends on which client it is, not only on its
// kind. The kind (envoy / grpc) picks the shape (sidecar listeners or API listeners); a dialect
// rule below changes how one piece is written for the clients that need it, keeping its meaning.
//
// Every rule exists because a real client NACKed or misread the default form in a test; each
// names that client and what it said. Clients no rule matches (Envoy, @grpc/grpc-js-xds) get
// the default output, byte for byte as before rules existed, and share their groups as before.
import type { ProxyClient, ProxyIdentity } from '../model';

/** A difference in how a piece of config is written for some consumers. */
export type DialectRule = 'header-exact-match' | 'no-ring-hash' | 'timeout-clock-skew';

interface RuleDefinition {
  readonly rule: DialectRule;
  readonly appliesTo: (client: ProxyClient) => boolean;
  /** What the client said when it was sent the default form, and what it gets instead. */
  readonly why: string;
}

/** gRPC C-core (Python, C++, Ruby, PHP, Objective-C): user_agent_name "gRPC C-core <os> <language>". */
function isGrpcCore(client: ProxyClient): boolean {
  return /^gRPC C-core\b/.test(client.name);
}

/**
 * The C-core version: user_agent_version reads "C-core 29.0.0 Python 1.51.1" (C-core versions
 * its core library separately from the gRPC release: core 29 is gRPC 1.51).
 */
export function grpcCoreVersion(client: ProxyClient): [number, number, number] | undefined {
  const m = /\bC-core (\d+)\.(\d+)\.(\d+)/.exec(client.version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** What timeout-clock-skew adds: the most C-core 1.51's call clock can read early. */
export const TIMEOUT_SKEW_MS = 2000;

const RULES: readonly RuleDefinition[] = [
  {
    rule: 'header-exact-match',
    // Every C-core: the deprecated exact_match field is the form all of them read, so no version
    // bound is needed to stay safe, and a C-core whose version cannot be parsed still works.
    appliesTo: isGrpcCore,
    why:
      'gRPC C-core 1.51 NACKs a RouteConfiguration whose HeaderMatcher uses string_match ' +
      '("Invalid route header matcher specified."); an exact header match is sent as the ' +
      'equivalent exact_match field instead',
  },
  {
    rule: 'no-ring-hash',
    // Every C-core, not only 1.51: the mesh file has no hash key, so ring_hash (and maglev) can
    // only hash randomly per call, which spreads calls as round_robin does. Nothing a newer
    // C-core could do with RING_HASH is lost, and a crash is too costly to risk on an untested one.
    appliesTo: isGrpcCore,
    why:
      'gRPC C-core 1.51 ACKs a RING_HASH cluster and then crashes (SIGSEGV) on the first pick; ' +
      'without a hash key ring_hash gives no affinity, so C-core is sent ROUND_ROBIN instead',
  },
  {
    rule: 'timeout-clock-skew',
    // Every C-core: a version without the skew gets a bound at most 2 s longer than written, while
    // one with it that the rule missed would cut calls early (every call, for timeouts under 1 s).
    appliesTo: isGrpcCore,
    why:
      'gRPC C-core 1.51 measures a route timeout (max_stream_duration) from a call start time ' +
      'that reads 1-2 s early (fixed per process), so calls end DEADLINE_EXCEEDED up to 2 s ' +
      'before the timeout, at once when it is under 1 s; C-core is sent the timeout plus ' +
      `${TIMEOUT_SKEW_MS / 1000} s, which ends calls between the timeout and 1 s after it`,
  },
];

export interface ConsumerDialect {
  readonly rules: ReadonlySet<DialectRule>;
  /** '' for the default; otherwise the rules, sorted and joined, for group keys and memo variants. */
  readonly key: string;
}

const DEFAULT_DIALECT: ConsumerDialect = { rules: new Set(), key: '' };
const dialects = new Map<string, ConsumerDialect>();

/** The rules that apply to this proxy. Depends only on the client, never on mesh state, so a stream's group can be fixed when it opens. */
export function consumerDialect(proxy: Pick<ProxyIdentity, 'client'>): ConsumerDialect {
  const client = proxy.client;
  if (!client) return DEFAULT_DIALECT;
  const rules = RULES.filter((r) => r.appliesTo(client))
    .map((r) => r.rule)
    .sort();
  if (rules.length === 0) return DEFAULT_DIALECT;
  const key = rules.join('+');
  let dialect = dialects.get(key);
  if (!dialect) {
    dialect = { rules: new Set(rules), key };
    dialects.set(key, dialect);
  }
  return dialect;
}
