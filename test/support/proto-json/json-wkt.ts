// Parsers for the well-known types' special proto3 JSON forms (Duration "1.5s", Timestamp
// RFC 3339, FieldMask "a.b,cD"), producing proto-loader shape.

const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|([+-])(\d{2}):(\d{2}))$/;

export interface SecondsNanos {
  seconds: string;
  nanos: number;
}

function fraction(digits: string | undefined): number {
  return digits === undefined ? 0 : Number(digits.padEnd(9, '0'));
}

export function parseJsonDuration(text: string): SecondsNanos | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const negative = m[1] === '-';
  const nanos = fraction(m[3]);
  return { seconds: `${negative && m[2] !== '0' ? '-' : ''}${BigInt(m[2])}`, nanos: negative && nanos !== 0 ? -nanos : nanos };
}

export function parseJsonTimestamp(text: string): SecondsNanos | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCDate() !== day) return undefined; // e.g. February 30th
  let seconds = Math.floor(date.getTime() / 1000);
  if (m[9] !== undefined) {
    const offset = (Number(m[10]) * 60 + Number(m[11])) * 60;
    seconds += m[9] === '+' ? -offset : offset;
  }
  return { seconds: String(seconds), nanos: fraction(m[7]) };
}

/** "fooBar.baz,qux" → ["foo_bar.baz", "qux"]; JSON FieldMask paths are lowerCamelCase. */
export function parseJsonFieldMask(text: string): string[] | undefined {
  if (text === '') return [];
  const paths = text.split(',');
  if (paths.some((p) => p === '' || /_/.test(p))) return undefined;
  return paths.map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
}
