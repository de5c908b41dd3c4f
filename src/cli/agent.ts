import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { stringify } from 'yaml';
import { XDS_SDS_FILES, sdsFileContents } from '../bootstrap/xds-sds-files';
import { XDS_SERVER_IDENTITY } from '../ca/xds-tls';
import { writeFileDurablySync } from '../util/durable-write';
import { XdsRelay, relayCredentials } from '../xds/relay';
import { adminClient, adminTargetFromFlags, AdminError, ADMIN_FLAGS, exitCodeFor, requirePositional } from './admin-client';
import { EXIT_OK, UsageError, type CliIo } from './io';
import { parseFlags, parseHostPort, stringFlag } from './flags';

/** The files a gRPC file_watcher certificate provider reads (see `switchyard bootstrap grpc --cert-dir`). */
export const CERT_FILES = { certificate: 'cert.pem', privateKey: 'key.pem', trustBundle: 'ca.pem' } as const;

interface Issued {
  service: string;
  certificate: string;
  privateKey: string;
  trustBundle: string;
  expiresAt: string;
}

/**
 * `switchyard agent --service S --out DIR --token T`: keeps a proxyless gRPC workload's
 * certificate, key (0600) and trust bundle current in DIR, fetching again at half life.
 * Keys never travel over xDS to gRPC (gRFC A29); this is how they arrive instead.
 *
 * With `--relay-address 127.0.0.1:PORT` it also relays the workload's xDS (xds/relay.ts): the gRPC
 * bootstrap points there (plaintext, loopback), and the agent carries each stream to the control
 * plane at --xds-address over TLS with the workload's certificate and token.
 */
export async function runAgent(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags('agent', argv, {
    ...ADMIN_FLAGS,
    service: { type: 'string' },
    out: { type: 'string' },
    token: { type: 'string', env: 'SWITCHYARD_XDS_TOKEN' },
    once: { type: 'boolean' },
    'relay-address': { type: 'string', env: 'SWITCHYARD_RELAY_ADDRESS' },
    'xds-address': { type: 'string', env: 'SWITCHYARD_XDS_ADDRESS', default: '127.0.0.1:18000' },
    'insecure-xds': { type: 'boolean', env: 'SWITCHYARD_INSECURE_XDS' },
  });
  requirePositional('agent', flags.positionals, []);
  const service = stringFlag(flags, 'service');
  const out = stringFlag(flags, 'out');
  const token = stringFlag(flags, 'token');
  if (!service) throw new UsageError('agent: --service is required');
  if (!out) throw new UsageError("agent: --out is required (the directory the gRPC bootstrap's --cert-dir names)");
  if (!token) throw new UsageError(`agent: --token (or SWITCHYARD_XDS_TOKEN) is required: switchyard token create --service ${service}`);
  // The xDS token is the credential here, sent as the bearer; no ACL token is used.
  const client = adminClient({ ...adminTargetFromFlags(flags), token });
  fs.mkdirSync(out, { recursive: true, mode: 0o700 });
  const relayAddress = stringFlag(flags, 'relay-address');
  if (relayAddress !== undefined && flags.values.once) throw new UsageError('agent: --relay-address needs a long-running agent; drop --once');
  const xdsAddress = stringFlag(flags, 'xds-address')!;
  parseHostPort(xdsAddress, 'xds-address');
  const relay = relayAddress === undefined ? undefined : new XdsRelay({ logger: pino({ base: { svc: 'switchyard-agent' } }, pino.destination(2)) });
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  // Each renewal gives new relayed streams the new certificate; open ones keep theirs until the
  // control plane's maximum connection age ends them.
  const relayWith = (issued: Issued) =>
    relay?.setUpstream({
      address: xdsAddress,
      credentials: flags.values['insecure-xds']
        ? grpc.credentials.createInsecure()
        : relayCredentials(issued.trustBundle, issued.certificate, issued.privateKey, XDS_SERVER_IDENTITY),
      metadata,
    });

  const fetchOnce = async (): Promise<Issued> => {
    const issued = await client.request<Issued>('POST', '/v1/certificates', {});
    if (issued.service !== service) throw new AdminError(`the token proves service "${issued.service}", not "${service}"`, 403);
    // Key first, certificate after: a watcher never pairs a new certificate with an old key
    // for longer than one refresh.
    writeFileDurablySync(path.join(out, CERT_FILES.privateKey), issued.privateKey, 0o600);
    writeFileDurablySync(path.join(out, CERT_FILES.certificate), issued.certificate, 0o644);
    writeFileDurablySync(path.join(out, CERT_FILES.trustBundle), issued.trustBundle, 0o644);
    // For an Envoy sidecar started with `bootstrap envoy --cert-dir`: file-based SDS naming the
    // files above, so Envoy re-reads them on renewal and after a root rotation.
    const sds = sdsFileContents(path.resolve(out));
    writeFileDurablySync(path.join(out, XDS_SDS_FILES.certificate), stringify(sds.certificate), 0o644);
    writeFileDurablySync(path.join(out, XDS_SDS_FILES.trustBundle), stringify(sds.trustBundle), 0o644);
    io.stderr(`switchyard agent: wrote ${service}'s certificate (expires ${issued.expiresAt}) to ${out}`);
    return issued;
  };

  try {
    let issued = await fetchOnce();
    if (flags.values.once) return EXIT_OK;
    if (relay && relayAddress !== undefined) {
      relayWith(issued);
      parseHostPort(relayAddress, 'relay-address');
      const port = await relay.listen(relayAddress);
      io.stderr(
        `switchyard agent: relaying xDS on ${relayAddress.replace(/:\d+$/, '')}:${port} to ${xdsAddress}${flags.values['insecure-xds'] ? ' (plaintext: --insecure-xds)' : ' over TLS'} as ${service}`,
      );
    }
    for (;;) {
      const remaining = Date.parse(issued.expiresAt) - Date.now();
      await new Promise((r) => setTimeout(r, Math.min(Math.max(remaining / 2, 5_000), 2 ** 31 - 1)));
      try {
        issued = await fetchOnce();
        relayWith(issued);
      } catch (err) {
        if (!(err instanceof AdminError)) throw err;
        io.stderr(`switchyard agent: renewal failed (${err.message}); retrying in 10s`);
        await new Promise((r) => setTimeout(r, 10_000));
      }
    }
  } catch (err) {
    if (!(err instanceof AdminError)) throw err;
    io.stderr(`switchyard agent: ${err.message}`);
    return exitCodeFor(err);
  }
}
