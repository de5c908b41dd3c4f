import pino, { type LogFn, type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty' | 'auto';

/**
 * Log lines carry what clients sent (node ids, resource names, NACK messages, mesh file text),
 * so a client could otherwise fill the disk: long fields are cut, and a warning repeated more
 * than a few times a minute is counted instead of written.
 */
export interface LogLimits {
  /** Characters of one string field (or the message) before it is cut. */
  readonly maxFieldLength: number;
  /** Warnings (and errors) with the same message per minute; the rest are counted and summarised. */
  readonly maxRepeatedWarnings: number;
  /** Told when a limit cuts or drops something (for the metric). */
  readonly onLimit?: (limit: 'log_field_length' | 'warnings_suppressed') => void;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { maxFieldLength: 2048, maxRepeatedWarnings: 20 };

const WARN = 40;

/**
 * JSON lines for machines (the default when stdout is not a terminal, and always with
 * --log-format json); colourised, human-readable lines when a person is watching.
 */
export function createLogger(level: LogLevel, format: LogFormat, limits: LogLimits = DEFAULT_LOG_LIMITS): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const hooks = { logMethod: limitedLogMethod(limits) };
  if (!pretty) return pino({ level, base: { svc: 'switchyard' }, hooks });
  return pino({
    level,
    base: undefined,
    hooks,
    transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
  });
}

function limitedLogMethod(limits: LogLimits): (this: Logger, args: Parameters<LogFn>, method: LogFn, level: number) => void {
  let windowStart = Date.now();
  const counts = new Map<string, number>();
  const cut = (s: string): string => {
    if (s.length <= limits.maxFieldLength) return s;
    limits.onLimit?.('log_field_length');
    return `${s.slice(0, limits.maxFieldLength)}… (${s.length - limits.maxFieldLength} more characters cut)`;
  };
  const cutFields = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return cut(value);
    if (depth > 2 || value === null || typeof value !== 'object' || value instanceof Error) return value;
    if (Array.isArray(value))
      return (value.length > 100 ? [...value.slice(0, 100), `… ${value.length - 100} more`] : value).map((v) => cutFields(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = cutFields(v, depth + 1);
    return out;
  };
  return function (this: Logger, args, method, level) {
    const cutArgs = args.map((a, i) => (i === 0 && typeof a === 'object' ? cutFields(a, 0) : typeof a === 'string' ? cut(a) : a)) as Parameters<LogFn>;
    if (level >= WARN) {
      const now = Date.now();
      if (now - windowStart >= 60_000) {
        const suppressed = [...counts].filter(([, n]) => n > limits.maxRepeatedWarnings);
        counts.clear();
        windowStart = now;
        for (const [message, n] of suppressed)
          method.call(this, { repeats: n - limits.maxRepeatedWarnings, message }, 'repeated warning suppressed in the last minute');
      }
      const message = typeof cutArgs[0] === 'string' ? cutArgs[0] : String(cutArgs[1] ?? '');
      const n = (counts.get(message) ?? 0) + 1;
      counts.set(message, n);
      if (n > limits.maxRepeatedWarnings) {
        limits.onLimit?.('warnings_suppressed');
        return;
      }
    }
    method.apply(this, cutArgs);
  };
}
