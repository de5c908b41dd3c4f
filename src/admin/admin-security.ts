// What `switchyard serve` needs to run the admin API securely, kept out of the serve wiring:
// its flags, the start-up refusal of an exposed plaintext admin API, the ACL store and the
// management token (and its file), and the HTTPS certificate issued by our CA and renewed.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isIP } from 'node:net';
import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import type { CertificateAuthority } from '../ca/authority';
import type { EtcdKeys } from '../etcd';
import { writeFileDurably } from '../util/durable-write';
import { AccessControl, MIN_OPERATOR_SECRET_LENGTH, type AclStore } from './acl';
import { openEtcdAclStore, openFileAclStore } from './acl-store';
import type { AdminServer, TlsPair } from './http-server';
import { isLoopbackHost, isWildcardHost } from './request-guard';

export const ADMIN_SECURITY_FLAGS = {
  'admin-tls': { type: 'boolean', env: 'SWITCHYARD_ADMIN_TLS' },
  'insecure-admin': { type: 'boolean', env: 'SWITCHYARD_INSECURE_ADMIN' },
  'admin-allowed-host': { type: 'string', env: 'SWITCHYARD_ADMIN_ALLOWED_HOSTS', multiple: true },
  'public-metrics': { type: 'boolean', env: 'SWITCHYARD_PUBLIC_METRICS' },
} as const;

export const ADMIN_SECURITY_USAGE = '[--admin-tls] [--admin-allowed-host NAME]… [--insecure-admin] [--public-metrics]';

/** The file the management token's secret is written to; the CLI reads it from the same data dir. */
export const ADMIN_TOKEN_FILE = 'admin-token';
/** With --admin-tls: the CA bundle the CLI trusts for the admin API (`--admin-ca` overrides it). */
export const ADMIN_CA_FILE = 'admin-ca.pem';

export interface AdminSecuritySettings {
  readonly tls: boolean;
  readonly insecure: boolean;
  readonly allowedHosts: readonly string[];
  readonly publicMetrics: boolean;
  /** The operator's management secret (--admin-token / SWITCHYARD_ADMIN_TOKEN), if given. */
  readonly managementSecret?: string;
}

/**
 * Reads the flags and applies the start-up rules; throws (through `usageError`) before anything
 * is opened. Binding off loopback in plaintext would put every bearer token on the network, so it
 * needs --admin-tls, or --insecure-admin (a warning is logged) for a network the operator trusts.
 */
export function adminSecuritySettings(
  values: Record<string, string | boolean | string[] | undefined>,
  adminHost: string,
  usageError: (message: string) => Error,
): AdminSecuritySettings & { readonly warning?: string } {
  const raw = values['admin-allowed-host'];
  const allowedHosts = (Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  const tls = values['admin-tls'] === true;
  const insecure = values['insecure-admin'] === true;
  const secret = typeof values['admin-token'] === 'string' ? values['admin-token'] : undefined;
  if (secret !== undefined && secret.length < MIN_OPERATOR_SECRET_LENGTH) {
    throw usageError(
      `serve: --admin-token: the management token's secret must be at least ${MIN_OPERATOR_SECRET_LENGTH} characters (e.g. openssl rand -base64 32); leave it out and one is generated into <data-dir>/${ADMIN_TOKEN_FILE}`,
    );
  }
  let warning: string | undefined;
  if (!isLoopbackHost(adminHost) && !tls) {
    if (!insecure) {
      throw usageError(
        `serve: --admin-address ${adminHost} is not loopback and the admin API would be plain HTTP, sending ACL tokens and workload keys in the clear; add --admin-tls (HTTPS with a certificate from the mesh CA), bind 127.0.0.1, or accept the risk on a trusted network with --insecure-admin`,
      );
    }
    warning = `the admin API is bound to ${adminHost} without TLS (--insecure-admin): ACL tokens, xDS tokens and workload private keys cross the network in the clear`;
  }
  return {
    tls,
    insecure,
    allowedHosts,
    publicMetrics: values['public-metrics'] === true,
    ...(secret !== undefined && { managementSecret: secret }),
    ...(warning && { warning }),
  };
}

export interface AdminSecurityOptions {
  readonly settings: AdminSecuritySettings;
  readonly dataDir: string;
  readonly adminHost: string;
  readonly ca: CertificateAuthority;
  readonly logger: Logger;
  /** When replicas share state over etcd, ACL tokens are shared there too. */
  readonly etcd?: { readonly client: Etcd3; readonly keys: EtcdKeys; readonly encryptionKey: Buffer };
}

export interface AdminSecurity {
  readonly access: AccessControl;
  readonly tls?: TlsPair;
  readonly allowedHosts: readonly string[];
  readonly publicMetrics: boolean;
  /** Starts certificate renewal for the running server (with --admin-tls). */
  attach(server: AdminServer): void;
  close(): Promise<void>;
}

const ADMIN_CERT_TTL_MS = 7 * 24 * 3600_000;
const RENEW_CHECK_MS = 60_000;

function readSecretFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function openAdminSecurity(o: AdminSecurityOptions): Promise<AdminSecurity> {
  const logger = o.logger;
  const store: AclStore = o.etcd ? await openEtcdAclStore({ ...o.etcd, logger }) : await openFileAclStore(o.dataDir);
  const access = new AccessControl(store);
  const tokenFile = path.join(o.dataDir, ADMIN_TOKEN_FILE);
  try {
    const given = o.settings.managementSecret;
    if (given !== undefined) {
      // The operator's secret is the management token's; the file lets the CLI on this host find it.
      await access.setManagementSecret(given);
      if (readSecretFile(tokenFile) !== given) await writeFileDurably(tokenFile, `${given}\n`);
    } else {
      const onDisk = readSecretFile(tokenFile);
      const valid = onDisk !== undefined && access.authenticate(`Bearer ${onDisk}`).ok;
      if (!valid && (!o.etcd || !access.hasManagementToken())) {
        // First start (or the file was deleted, which is how an operator rotates the secret).
        const secret = AccessControl.newManagementSecret();
        await access.setManagementSecret(secret);
        await writeFileDurably(tokenFile, `${secret}\n`);
        logger.info({ file: tokenFile }, 'created the management ACL token; its secret is in this file (0600), where the switchyard CLI finds it');
      } else if (!valid) {
        logger.warn(
          { file: tokenFile },
          'the management ACL token was created by another replica and its secret is not in this data dir; give every replica the same --admin-token, or use tokens from `switchyard acl token create`',
        );
      }
    }
  } catch (error) {
    await store.close();
    throw error;
  }

  let tls: TlsPair | undefined;
  let issue: (() => Promise<void>) | undefined;
  let server: AdminServer | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (o.settings.tls) {
    const dns = [...new Set(['localhost', ...o.settings.allowedHosts.map((h) => h.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')).filter((h) => isIP(h) === 0)])];
    const ips = [
      ...new Set([
        '127.0.0.1',
        '::1',
        ...o.settings.allowedHosts.filter((h) => isIP(h.replace(/^\[|\]$/g, '')) !== 0),
        ...(isIP(o.adminHost) && !isWildcardHost(o.adminHost) ? [o.adminHost] : []),
      ]),
    ];
    let renewAt = 0;
    let issuedFrom = '';
    issue = async () => {
      const cert = await o.ca.serverCertificate('switchyard-admin', dns, ips, ADMIN_CERT_TTL_MS);
      tls = { certPem: cert.certPem, keyPem: cert.keyPem };
      renewAt = Date.now() + ADMIN_CERT_TTL_MS / 2;
      issuedFrom = o.ca.facts().activeRoot.fingerprint;
      // The bundle (both roots during a rotation) is what the CLI must trust.
      await writeFileDurably(path.join(o.dataDir, ADMIN_CA_FILE), o.ca.trustBundlePem());
      server?.setCertificate(tls);
    };
    await issue();
    // Renewed at half life, and at once when the active root changes (a rotation), so the
    // certificate always chains to a root the bundle still holds.
    timer = setInterval(() => {
      if (Date.now() < renewAt && o.ca.facts().activeRoot.fingerprint === issuedFrom) return;
      issue!().then(
        () => logger.info('renewed the admin API certificate'),
        (err: unknown) => logger.error({ err }, 'renewing the admin API certificate failed; will retry'),
      );
    }, RENEW_CHECK_MS);
    timer.unref();
  }

  return {
    access,
    ...(tls && { tls }),
    allowedHosts: o.settings.allowedHosts,
    publicMetrics: o.settings.publicMetrics,
    attach: (s) => {
      server = s;
    },
    close: async () => {
      if (timer) clearInterval(timer);
      await store.close();
    },
  };
}
