// What `switchyard serve` runs with, already parsed and checked: cli/serve.ts turns flags into
// this, and server/serve.ts starts the stages from it. Tests and embedders can build it directly.
import type { AdminSecuritySettings } from '../admin/admin-security';
import type { KeyType } from '../ca/keys';
import type { XdsLimits } from '../xds/server';
import type { LogFormat, LogLevel } from './logger';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Where each kind of state comes from; named separately so none is implied by another. */
export interface ServeSources {
  /** Registered instances: the data dir's file, or etcd shared by replicas. */
  readonly registry: 'embedded' | 'etcd';
  /** The mesh file: a file (`--config`, or the embedded shop mesh when none), or etcd (`config push`). */
  readonly mesh: 'file' | 'etcd';
  /** The CA root and the xDS token key: the data dir, or etcd (sealed with the encryption key). */
  readonly ca: 'data-dir' | 'etcd';
}

export interface EtcdOptions {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  /** Seals the CA root key and the token key in etcd; required when the CA lives there. */
  readonly encryptionKey?: Buffer;
  /** TLS to etcd (CA, and a client certificate for --client-cert-auth); PEM contents. */
  readonly tls?: { readonly ca: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  /** An etcd user (etcd's own authentication). */
  readonly auth?: { readonly username: string; readonly password: string };
}

export interface ServeOptions {
  readonly xdsAddress: HostPort;
  readonly adminAddress: HostPort;
  /** ACL tokens, the request guard, TLS and what stays public; `warning` when an unsafe flag is on. */
  readonly admin: AdminSecuritySettings & { readonly warning?: string };
  readonly dataDir: string;
  /** The mesh file given with --config; undefined serves the embedded shop mesh (or etcd's). */
  readonly configFile?: string;
  readonly sources: ServeSources;
  readonly etcd?: EtcdOptions;
  readonly debounceMs: number;
  /** How many history entries (mesh versions and admin writes) to keep. */
  readonly historyKeep: number;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly ca: {
    readonly keyType: KeyType;
    /** An operator-supplied root (both or neither). */
    readonly certFile?: string;
    readonly keyFile?: string;
  };
  readonly xdsSecurity: XdsSecurityOptions;
  /** Mesh file size and YAML alias expansion; defaults when absent. */
  readonly meshFileLimits?: { readonly maxBytes: number; readonly maxAliases: number };
  /** Log field length and repeated warnings; defaults when absent. */
  readonly logLimits?: { readonly maxFieldLength: number; readonly maxRepeatedWarnings: number };
}

export function formatHostPort(address: HostPort): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

/** Who may talk xDS, and what a stream may cost. Secure with no flags: TLS, and proof required. */
export interface XdsSecurityOptions {
  /**
   * --insecure-xds: a plaintext listener that also serves streams proving nothing (as their
   * node.cluster, without secrets). Tokens are still checked when sent. Logged as a warning.
   */
  readonly insecure: boolean;
  /** DNS names and IPs (comma-separated) the xDS server certificate carries. */
  readonly tlsNames: string;
  /** Streams are ended after about this long (proxies reconnect); 0 never. */
  readonly maxConnectionAgeMs: number;
  /** A root rotation disconnects the streams that have not ACKed their new secrets after this long. */
  readonly rotationGraceMs: number;
  readonly limits: XdsLimits;
  /** Distinct proxy groups (each is translated and kept per state); only mesh services form them. */
  readonly maxGroups: number;
}
