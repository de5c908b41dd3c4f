import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileDurablySync } from '../util/durable-write';
import { adminClient, adminTargetFromFlags, AdminError, ADMIN_FLAGS, exitCodeFor, requirePositional } from './admin-client';
import { EXIT_OK, UsageError, type CliIo } from './io';
import { parseFlags, stringFlag } from './flags';

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
 */
export async function runAgent(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags('agent', argv, {
    ...ADMIN_FLAGS,
    service: { type: 'string' },
    out: { type: 'string' },
    token: { type: 'string', env: 'SWITCHYARD_XDS_TOKEN' },
    once: { type: 'boolean' },
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

  const fetchOnce = async (): Promise<Issued> => {
    const issued = await client.request<Issued>('POST', '/v1/certificates', {});
    if (issued.service !== service) throw new AdminError(`the token proves service "${issued.service}", not "${service}"`, 403);
    // Key first, certificate after: a watcher never pairs a new certificate with an old key
    // for longer than one refresh.
    writeFileDurablySync(path.join(out, CERT_FILES.privateKey), issued.privateKey, 0o600);
    writeFileDurablySync(path.join(out, CERT_FILES.certificate), issued.certificate, 0o644);
    writeFileDurablySync(path.join(out, CERT_FILES.trustBundle), issued.trustBundle, 0o644);
    io.stderr(`switchyard agent: wrote ${service}'s certificate (expires ${issued.expiresAt}) to ${out}`);
    return issued;
  };

  try {
    let issued = await fetchOnce();
    if (flags.values.once) return EXIT_OK;
    for (;;) {
      const remaining = Date.parse(issued.expiresAt) - Date.now();
      await new Promise((r) => setTimeout(r, Math.min(Math.max(remaining / 2, 5_000), 2 ** 31 - 1)));
      try {
        issued = await fetchOnce();
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
