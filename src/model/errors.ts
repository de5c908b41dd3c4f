// Errors are values with a place (see ARCHITECTURE.md): every stage reports problems this way.

export interface Location {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

export interface Problem {
  /** A JSON-ish path into the input, e.g. `services[2].routes[0].destinations`. */
  readonly path: string;
  readonly message: string;
  readonly location?: Location;
  readonly severity: 'error' | 'warning';
}

export function formatProblem(p: Problem): string {
  const loc = p.location;
  const where = loc?.file ? `${loc.file}${loc.line ? `:${loc.line}${loc.column ? `:${loc.column}` : ''}` : ''}` : '';
  const prefix = where ? `${where}: ` : '';
  return `${prefix}${p.severity}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}
