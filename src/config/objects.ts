// Optional fields the operator left out stay absent rather than present-but-undefined, so a
// parsed config prints, compares and hashes the same as one written by hand.

export function definedOnly<T extends object>(value: T): T {
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== undefined) result[key] = field;
  }
  return result as T;
}
