// The flags that reach etcd securely, shared by `serve` and `config push`: TLS (etcd's CA, and a
// client certificate for --client-cert-auth) and an etcd user.
import * as fs from 'node:fs';
import type { EtcdClientOptions } from '../etcd/client';
import type { ParsedFlags } from './flags';
import { stringFlag } from './flags';
import { UsageError } from './io';

export const ETCD_ACCESS_FLAGS = {
  'etcd-ca-file': { type: 'string', env: 'SWITCHYARD_ETCD_CA_FILE' },
  'etcd-cert-file': { type: 'string', env: 'SWITCHYARD_ETCD_CERT_FILE' },
  'etcd-key-file': { type: 'string', env: 'SWITCHYARD_ETCD_KEY_FILE' },
  'etcd-username': { type: 'string', env: 'SWITCHYARD_ETCD_USERNAME' },
  'etcd-password-file': { type: 'string', env: 'SWITCHYARD_ETCD_PASSWORD_FILE' },
} as const;

/** TLS and user flags for etcd; each file is read now, so a missing one is a usage error naming it. */
export function etcdAccess(command: string, flags: ParsedFlags, endpoints: readonly string[]): Pick<EtcdClientOptions, 'tls' | 'auth'> {
  const read = (name: 'etcd-ca-file' | 'etcd-cert-file' | 'etcd-key-file' | 'etcd-password-file'): Buffer | undefined => {
    const file = stringFlag(flags, name);
    if (file === undefined) return undefined;
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new UsageError(`${command}: --${name} ${file}: cannot read it (${(err as Error).message})`);
    }
  };
  const ca = read('etcd-ca-file');
  const cert = read('etcd-cert-file');
  const key = read('etcd-key-file');
  if ((cert === undefined) !== (key === undefined))
    throw new UsageError(`${command}: --etcd-cert-file and --etcd-key-file go together (a client certificate needs its key)`);
  if (cert !== undefined && ca === undefined)
    throw new UsageError(`${command}: a client certificate for etcd (--etcd-cert-file) needs --etcd-ca-file, the CA that signed etcd's server certificate`);
  const https = endpoints.filter((e) => e.startsWith('https://'));
  if (ca !== undefined && https.length !== endpoints.length)
    throw new UsageError(`${command}: --etcd-ca-file means TLS to etcd: every --etcd-endpoints URL must be https://`);
  if (ca === undefined && https.length > 0)
    throw new UsageError(`${command}: https:// etcd endpoints need --etcd-ca-file (the CA that signed etcd's server certificate)`);
  const username = stringFlag(flags, 'etcd-username');
  const passwordFile = read('etcd-password-file');
  const password = passwordFile?.toString('utf8').trim() ?? process.env.SWITCHYARD_ETCD_PASSWORD;
  if ((username === undefined) !== (password === undefined))
    throw new UsageError(`${command}: --etcd-username and --etcd-password-file (or SWITCHYARD_ETCD_PASSWORD) go together`);
  return {
    ...(ca !== undefined && { tls: { ca, cert, key } }),
    ...(username !== undefined && password !== undefined && { auth: { username, password } }),
  };
}
