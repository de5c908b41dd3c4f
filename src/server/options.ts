// What `switchyard serve` runs with, already parsed and checked: cli/serve.ts turns flags into
// this, and server/serve.ts starts the stages from it. Tests and embedders can build it directly.
import type { AdminSecuritySettings } from '../admin/admin-security';
import type { KeyType } from '../ca/keys';
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
  readonly xdsSecurity: {
    readonly requireToken: boolean;
    readonly tls: boolean;
    /** DNS names (comma-separated) the xDS server certificate carries. */
    readonly tlsNames: string;
  };
}

export function formatHostPort(address: HostPort): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}
