import { EXIT_RUNTIME, EXIT_USAGE, UsageError, processIo, type CliIo } from './io';

type Command = (argv: string[], io: CliIo) => Promise<number>;

/*
 * Commands load lazily (require, since the build is CommonJS) so that e.g. `switchyard validate`
 * does not pay for the gRPC server's imports.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: Record<string, { summary: string; load: () => Command }> = {
  serve: { summary: 'run the control plane', load: () => (require('./serve') as typeof import('./serve')).runServe },
  validate: { summary: 'check a mesh file offline', load: () => (require('./validate') as typeof import('./validate')).runValidate },
  register: { summary: 'register a service instance through the admin API', load: () => (require('./register') as typeof import('./register')).runRegister },
  bootstrap: { summary: 'print an Envoy or gRPC xDS bootstrap', load: () => (require('./bootstrap') as typeof import('./bootstrap')).runBootstrap },
  status: { summary: 'sync state of every connected proxy', load: () => (require('./status') as typeof import('./status')).runStatus },
  'config-dump': { summary: 'what was last sent to a proxy, as JSON', load: () => (require('./status') as typeof import('./status')).runConfigDump },
  token: { summary: 'create an xDS credential for a service', load: () => (require('./token') as typeof import('./token')).runToken },
  ca: { summary: 'show CA facts or start a root rotation', load: () => (require('./token') as typeof import('./token')).runCa },
  agent: { summary: "keep a proxyless gRPC workload's certificate files current", load: () => (require('./agent') as typeof import('./agent')).runAgent },
  config: {
    summary: 'store a validated mesh file in etcd for every replica (config push)',
    load: () => (require('./config-push') as typeof import('./config-push')).runConfig,
  },
  acl: { summary: 'create, list and revoke ACL tokens for the admin API', load: () => (require('./acl') as typeof import('./acl')).runAcl },
  explain: {
    summary: 'why a call is routed or refused, or what a NACK refused, with mesh-file lines',
    load: () => (require('./explain') as typeof import('./explain')).runExplain,
  },
  history: {
    summary: 'mesh versions and admin writes: who, when, what changed, which proxies ACKed',
    load: () => (require('./history') as typeof import('./history')).runHistory,
  },
  diff: { summary: 'what changed in the mesh between two history versions', load: () => (require('./history') as typeof import('./history')).runDiff },
  rollback: {
    summary: 're-apply a past mesh version (validated and published like a reload)',
    load: () => (require('./history') as typeof import('./history')).runRollback,
  },
  'wait-ready': {
    summary: 'wait until a proxy has ACKed every type (start an app after its proxy)',
    load: () => (require('./wait-ready') as typeof import('./wait-ready')).runWaitReady,
  },
  deregister: { summary: 'remove a service instance through the admin API', load: () => (require('./register') as typeof import('./register')).runDeregister },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return ['usage: switchyard <command> [flags]', '', 'commands:', ...lines, '', "run 'switchyard <command> --help' for a command's flags"].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name ? 0 : EXIT_USAGE;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`switchyard: unknown command "${name}"\n${usage()}`);
    return EXIT_USAGE;
  }
  try {
    return await command.load()(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`switchyard ${err.message}`);
      return EXIT_USAGE;
    }
    io.stderr(`switchyard ${name}: ${(err as Error).message}`);
    return EXIT_RUNTIME;
  }
}
