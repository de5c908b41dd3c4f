// The second real xDS client: gRPC C-core through Debian's python3-grpcio, driven as a child
// process (test/python/xds_client.py). One process keeps its channels, and so its one xDS stream,
// for the whole session: a test can change config and watch the same client follow it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { REPO_ROOT } from './serve-process';

/** Debian's interpreter, which has python3-grpcio; a pyenv or venv python first on PATH would not. */
export const DEBIAN_PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(REPO_ROOT, 'test/python/xds_client.py');

export interface CallResults {
  /** Calls answered, by the name of the backend that answered. */
  readonly backends: Record<string, number>;
  /** Calls failed, by gRPC status name. */
  readonly errors: Record<string, number>;
  /** The first few failures' status and message. */
  readonly details: string[];
}

export interface CallsCommand {
  readonly target: string;
  readonly n?: number;
  readonly metadata?: Record<string, string>;
  readonly deadlineS?: number;
  /** Concurrent waves instead of n sequential calls: each starts afterMs after the previous one. */
  readonly waves?: ReadonlyArray<{ readonly n: number; readonly afterMs?: number }>;
  /** 'xds': XdsChannelCredentials with an insecure fallback; default plaintext. */
  readonly credentials?: 'insecure' | 'xds';
}

export interface PythonXdsClient {
  calls(cmd: CallsCommand): Promise<CallResults>;
  /** What the process wrote on stderr so far (C-core's log, including GRPC_TRACE output). */
  readonly stderr: () => string;
  /** Resolves when the process ends, with its exit code or the signal that ended it (a crash in C-core). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  close(): Promise<void>;
}

/**
 * Starts the Python client with GRPC_XDS_BOOTSTRAP = `bootstrapFile`. `trace` (or
 * SWITCHYARD_TEST_GRPC_TRACE=1 in the environment, for any test) turns on C-core's xDS tracers
 * (the node it sends, what it NACKs and why), at the cost of a much longer stderr; `stderr()`
 * returns it, and a crash's message includes its tail.
 */
export function startPythonXdsClient(bootstrapFile: string, opts: { trace?: boolean } = {}): PythonXdsClient {
  const env: NodeJS.ProcessEnv = { ...process.env, GRPC_XDS_BOOTSTRAP: bootstrapFile, PYTHONUNBUFFERED: '1' };
  if (opts.trace ?? process.env.SWITCHYARD_TEST_GRPC_TRACE === '1') {
    env.GRPC_TRACE = 'xds_client,xds_resolver,cds_lb,xds_cluster_resolver_lb';
    env.GRPC_VERBOSITY = 'debug';
  }
  const child: ChildProcessWithoutNullStreams = spawn(DEBIAN_PYTHON, [SCRIPT], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const waiting: Array<{ resolve: (line: string) => void; reject: (e: Error) => void }> = [];
  readline.createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const w of waiting.splice(0)) w.reject(new Error(`python xDS client exited with ${code ?? signal}:\n${err.slice(-4000)}`));
      resolve({ code, signal });
    }),
  );

  const send = (cmd: object): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      waiting.push({
        resolve: (line) => {
          const out = JSON.parse(line) as Record<string, unknown>;
          if (out.ok !== true) reject(new Error(`python xDS client: ${String(out.error)}`));
          else resolve(out);
        },
        reject,
      });
      child.stdin.write(`${JSON.stringify(cmd)}\n`);
    });

  return {
    async calls(cmd) {
      const out = await send({
        op: 'calls',
        target: cmd.target,
        n: cmd.n ?? 1,
        metadata: cmd.metadata ?? {},
        deadline_s: cmd.deadlineS ?? 5,
        credentials: cmd.credentials ?? 'insecure',
        ...(cmd.waves && { waves: cmd.waves.map((w) => ({ n: w.n, after_ms: w.afterMs ?? 0 })) }),
      });
      return out as unknown as CallResults;
    },
    stderr: () => err,
    exited,
    async close() {
      if (child.exitCode === null) {
        child.stdin.end(`${JSON.stringify({ op: 'quit' })}\n`);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Sum of answered calls. */
export function answered(r: CallResults): number {
  return Object.values(r.backends).reduce((a, b) => a + b, 0);
}
