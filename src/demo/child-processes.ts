// The local demo's processes: each child's output goes to its own log file (and, line by line, to
// whoever waits on it); stopping is SIGTERM, a grace period, then SIGKILL, so Ctrl-C never leaves
// a process behind.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';

/** Children still running; if this process dies without stopping them, they die with it. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface ManagedChild {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first stdout/stderr line that matches; rejects on a `fatal` line, or if the child exits or time runs out first. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number, fatal?: (line: string) => boolean): Promise<string>;
  onLine(listener: (line: string, stream: 'stdout' | 'stderr') => void): void;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the child is gone. */
  stop(graceMs?: number): Promise<void>;
  running(): boolean;
}

export function startChild(name: string, command: string, args: string[], opts: { env: NodeJS.ProcessEnv; logDir: string }): ManagedChild {
  const logFile = path.join(opts.logDir, `${name}.log`);
  const log = fs.createWriteStream(logFile);
  const child: ChildProcess = spawn(command, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const listeners: Array<(line: string, stream: 'stdout' | 'stderr') => void> = [];
  // The last few lines, so a child that fails to start can say why right there.
  const tail: string[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    readline.createInterface({ input: child[stream]! }).on('line', (line) => {
      log.write(`${line}\n`);
      tail.push(line);
      if (tail.length > 5) tail.shift();
      for (const l of listeners) l(line, stream);
    });
  }
  live.add(child);
  // 'close', not 'exit': it comes after the child's output has all been read, so a final report
  // printed just before exiting is never lost.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      live.delete(child);
      log.end();
      resolve({ code, signal });
    }),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    name,
    pid: child.pid,
    logFile,
    exited,
    running: () => !done,
    onLine: (l) => listeners.push(l),
    waitForLine: (match, timeoutMs, fatal) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name} did not become ready within ${timeoutMs / 1000}s; see ${logFile}`)), timeoutMs);
        listeners.push((line) => {
          if (fatal?.(line)) {
            clearTimeout(timer);
            reject(new Error(`${name}: ${line}`));
            return;
          }
          if (!match(line)) return;
          clearTimeout(timer);
          resolve(line);
        });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before it was ready; see ${logFile}:\n  ${tail.join('\n  ')}`));
        });
      }),
    stop: async (graceMs = 5_000) => {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A loopback port free right now (bound and released); the demo registers it before the app binds it. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
