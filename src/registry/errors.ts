// Registry writes fail with a value that says what kind of failure it was and which input
// caused it, so the admin API can map it to a status code and a JSON field without guessing.

export type RegistryErrorCode = 'invalid_argument' | 'not_found' | 'conflict' | 'unavailable';

export class RegistryError extends Error {
  override readonly name = 'RegistryError';

  constructor(
    readonly code: RegistryErrorCode,
    /** The argument or registration field at fault (`service`, `port`, `labels.version`), if any. */
    readonly field: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export function isRegistryError(value: unknown): value is RegistryError {
  return value instanceof RegistryError;
}

export function invalidArgument(field: string, message: string): RegistryError {
  return new RegistryError('invalid_argument', field, message);
}

/** What a registry caller sees when etcd did not answer: the admin API turns it into a 503. */
export function etcdUnavailable(cause: unknown): RegistryError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new RegistryError(
    'unavailable',
    undefined,
    `etcd is unreachable, so the registry cannot accept writes (it keeps serving its last known state): ${reason}`,
  );
}
