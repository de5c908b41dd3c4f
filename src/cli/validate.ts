// `switchyard validate FILE`: checks a mesh file offline.
// The report (every problem, then a summary) is the command's output, so it goes to stdout as
// a linter's does; stderr carries only usage mistakes.

import { loadMeshFile } from '../config/load';
import { formatProblem } from '../model/errors';

export interface ValidateIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const EXIT_VALID = 0;
const EXIT_INVALID = 2;

export const VALIDATE_USAGE = [
  'usage: switchyard validate FILE',
  '',
  'Checks the mesh file FILE offline and prints every error and warning with its',
  'file:line:column. Exits 0 when the file is valid (warnings allowed), 2 otherwise.',
].join('\n');

export async function runValidate(argv: string[], io: ValidateIo): Promise<number> {
  const parsed = parseValidateArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout(VALIDATE_USAGE);
    return EXIT_VALID;
  }
  if (parsed.kind === 'usage-error') {
    io.stderr(`switchyard validate: ${parsed.message}\n${VALIDATE_USAGE}`);
    return EXIT_INVALID;
  }

  const { config, problems } = await loadMeshFile(parsed.file);
  for (const problem of problems) io.stdout(formatProblem(problem));
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  if (config && errors === 0) {
    const gateways = config.gateways?.length ? `${count(config.gateways.length, 'gateway')}, ` : '';
    io.stdout(`${parsed.file}: valid: ${count(config.services.length, 'service')}, ${gateways}${count(warnings, 'warning')}`);
    return EXIT_VALID;
  }
  io.stdout(`${parsed.file}: invalid: ${count(errors, 'error')}, ${count(warnings, 'warning')}`);
  return EXIT_INVALID;
}

type ValidateArgs = { readonly kind: 'file'; readonly file: string } | { readonly kind: 'help' } | { readonly kind: 'usage-error'; readonly message: string };

function parseValidateArgs(argv: readonly string[]): ValidateArgs {
  const files: string[] = [];
  let flagsDone = false;
  for (const arg of argv) {
    if (!flagsDone && arg === '--') {
      flagsDone = true;
    } else if (!flagsDone && (arg === '--help' || arg === '-h')) {
      return { kind: 'help' };
    } else if (!flagsDone && arg.startsWith('-') && arg !== '-') {
      return { kind: 'usage-error', message: `unknown flag ${arg}` };
    } else {
      files.push(arg);
    }
  }
  if (files.length === 0) return { kind: 'usage-error', message: 'missing FILE: the path of the mesh file to check' };
  if (files.length > 1) {
    return { kind: 'usage-error', message: `expected one FILE, got ${files.length}: ${files.join(' ')}` };
  }
  return { kind: 'file', file: files[0] };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
