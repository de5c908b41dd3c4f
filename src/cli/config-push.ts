// `switchyard config push FILE`: validates a mesh file exactly as `switchyard validate` does
// and, only if it is valid, stores it in etcd, where every replica running with
// `--registry etcd` and no `--config` picks it up and hot-reloads it.

import { readFile } from 'node:fs/promises';
import { parseMeshFile } from '../config';
import { unreadableFile } from '../config/load';
import { formatProblem } from '../model/errors';
import { ETCD_ACCESS_FLAGS, etcdAccess } from './etcd-flags';
import { connectEtcd, etcdKeys, parseEtcdEndpoints, DEFAULT_ETCD_PREFIX } from '../etcd';
import { parseFlags, stringFlag } from './flags';
import { EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, UsageError, type CliIo } from './io';

const USAGE =
  'usage: switchyard config push FILE --etcd-endpoints URL,… [--etcd-prefix /switchyard/] [--etcd-ca-file FILE [--etcd-cert-file FILE --etcd-key-file FILE]] [--etcd-username U --etcd-password-file FILE]';

const FLAGS = {
  'etcd-endpoints': { type: 'string', env: 'SWITCHYARD_ETCD_ENDPOINTS' },
  'etcd-prefix': { type: 'string', env: 'SWITCHYARD_ETCD_PREFIX', default: DEFAULT_ETCD_PREFIX },
  ...ETCD_ACCESS_FLAGS,
  help: { type: 'boolean' },
} as const;

export async function runConfig(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === undefined) {
    io.stdout(USAGE);
    return sub === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (sub !== 'push') throw new UsageError(`config: unknown subcommand "${sub}"\n${USAGE}`);
  const flags = parseFlags('config push', rest, FLAGS);
  if (flags.values.help) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  if (flags.positionals.length !== 1) throw new UsageError(`config push: expected one FILE, got ${flags.positionals.length}\n${USAGE}`);
  const file = flags.positionals[0]!;
  const endpointsFlag = stringFlag(flags, 'etcd-endpoints');
  if (endpointsFlag === undefined) throw new UsageError('config push: --etcd-endpoints (or SWITCHYARD_ETCD_ENDPOINTS) is required');
  const endpoints = parseEtcdEndpoints(endpointsFlag);
  if (typeof endpoints === 'string') throw new UsageError(`config push: --etcd-endpoints: ${endpoints}`);

  // The same parser and report as `switchyard validate` (loadMeshFile); the text checked is the
  // text stored. Nothing is stored unless it is valid.
  let text: string | undefined;
  let reason: unknown;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    reason = err;
  }
  const { config, problems } = text === undefined ? unreadableFile(file, reason) : parseMeshFile(text, file);
  for (const problem of problems) io.stderr(formatProblem(problem));
  if (text === undefined || !config || problems.some((p) => p.severity === 'error')) {
    io.stderr(`switchyard config push: ${file} is invalid; nothing was stored`);
    return EXIT_USAGE;
  }
  const key = etcdKeys(stringFlag(flags, 'etcd-prefix')).meshConfig;
  const client = connectEtcd({ endpoints, ...etcdAccess('config push', flags, endpoints) });
  try {
    await client.put(key).value(text).exec();
  } catch (error) {
    io.stderr(`switchyard config push: could not store the mesh in etcd at ${endpoints.join(',')}: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_RUNTIME;
  } finally {
    client.close();
  }
  io.stdout(`${file}: valid (${config.services.length} services); stored in etcd as ${key}`);
  return EXIT_OK;
}
