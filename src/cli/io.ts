/** Where a command writes; tests pass collectors, the executable passes the process streams. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const processIo: CliIo = {
  stdout: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  stderr: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
};

/** Exit codes: 0 success, 1 failure, 2 bad usage or input. */
export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

/** Thrown for bad usage; the dispatcher prints it and exits 2. */
export class UsageError extends Error {}
