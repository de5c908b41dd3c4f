import { DURATION_EXAMPLES, parseDuration } from '../util/durations';
import { parseArgs } from 'node:util';
import { UsageError } from './io';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** Environment variable read when the flag is absent (every flag has one). */
  readonly env?: string;
  readonly default?: string;
  readonly multiple?: boolean;
}

export interface ParsedFlags {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/**
 * Parses `argv` strictly (unknown flags are usage errors naming the flag), then fills absent
 * flags from their environment variables, then defaults.
 */
export function parseFlags(command: string, argv: string[], specs: Record<string, FlagSpec>, env: NodeJS.ProcessEnv = process.env): ParsedFlags {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(specs)) options[name] = spec.multiple ? { type: spec.type, multiple: true } : { type: spec.type };
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.replace(/^.*?: /, '')}`);
  }
  const values: Record<string, string | boolean | string[] | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const given = parsed.values[name];
    if (given !== undefined) {
      values[name] = given as string | boolean | string[];
      continue;
    }
    const fromEnv = spec.env ? env[spec.env] : undefined;
    if (fromEnv !== undefined && fromEnv !== '') {
      values[name] = spec.type === 'boolean' ? ['1', 'true', 'yes'].includes(fromEnv.toLowerCase()) : fromEnv;
    } else if (spec.default !== undefined) {
      values[name] = spec.default;
    }
  }
  return { values, positionals: parsed.positionals };
}

export function stringFlag(flags: ParsedFlags, name: string): string | undefined {
  const v = flags.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Splits `host:port` (IPv6 as `[::1]:18000`), with a usage error naming the flag when malformed. */
export function parseHostPort(value: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new UsageError(`--${flag}: expected HOST:PORT, got "${value}"`);
  return { host: (m[1] ?? m[2])!, port };
}

/** A duration flag (`250ms`, `2s`, `1m`, `720h`) in milliseconds; a usage error naming the flag otherwise. */
export function parseDurationFlag(value: string, flag: string): number {
  const parsed = parseDuration(value.trim());
  if (!parsed.ok) throw new UsageError(`--${flag}: expected a duration such as ${DURATION_EXAMPLES}, got "${value}" (${parsed.reason})`);
  return parsed.ms;
}
