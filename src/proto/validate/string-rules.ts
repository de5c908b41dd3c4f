// PGV's StringRules and BytesRules. Lengths: `len`/`min_len`/`max_len` count code points (PGV
// counts UTF-8 runes), `*_bytes` count UTF-8 bytes.
import type { Scalar } from './scalars';
import type { ValueCheck } from './rule-types';
import type { RuleReader } from './rule-reader';
import { compileRe2, emailError, HEADER_STRING, hostnameError, HTTP_HEADER_NAME, HTTP_HEADER_VALUE, isIp, isUri, isUriRef, isUuid } from './formats';

function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

type Measure<V> = (value: V) => number;

function lengthChecks<V>(
  r: RuleReader,
  take: (v: Scalar) => V | undefined,
  keys: readonly [string, string, string],
  unit: string,
  measure: Measure<V>,
): ValueCheck[] {
  const checks: ValueCheck[] = [];
  const [exactKey, minKey, maxKey] = keys;
  const exact = r.count(exactKey);
  const min = r.count(minKey);
  const max = r.count(maxKey);
  const add = (key: string, bound: number, ok: (n: number) => boolean, text: string): void => {
    const rule = r.name(key);
    checks.push((value) => {
      const v = take(value);
      if (v === undefined) return undefined;
      const n = measure(v);
      return ok(n) ? undefined : { rule, message: `value length must be ${text} ${bound} ${unit}, got ${n}` };
    });
  };
  if (exact !== undefined) add(exactKey, exact, (n) => n === exact, 'exactly');
  // min_len: 0 is common in Envoy's protos (HeaderValue.raw_value) and always holds.
  if (min !== undefined && min > 0) add(minKey, min, (n) => n >= min, 'at least');
  if (max !== undefined) add(maxKey, max, (n) => n <= max, 'at most');
  return checks;
}

const takeString = (v: Scalar): string | undefined => (typeof v === 'string' ? v : undefined);
const takeBytes = (v: Scalar): Uint8Array | undefined => (v instanceof Uint8Array ? v : undefined);

function simple<V>(take: (v: Scalar) => V | undefined, rule: string, ok: (v: V) => boolean, message: (v: V) => string): ValueCheck {
  return (value) => {
    const v = take(value);
    if (v === undefined || ok(v)) return undefined;
    return { rule, message: message(v) };
  };
}

export function compileStringRules(r: RuleReader): ValueCheck[] {
  const checks: ValueCheck[] = [];
  const str = (key: string): string | undefined => {
    const v = r.get(key);
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v;
    r.unchecked(key, `unreadable value ${JSON.stringify(v)}`);
    return undefined;
  };

  const constant = str('const');
  if (constant !== undefined)
    checks.push(
      simple(
        takeString,
        r.name('const'),
        (v) => v === constant,
        (v) => `value must equal ${JSON.stringify(constant)}, got ${JSON.stringify(v)}`,
      ),
    );
  checks.push(...lengthChecks(r, takeString, ['len', 'min_len', 'max_len'], 'characters', codePointLength));
  checks.push(...lengthChecks(r, takeString, ['len_bytes', 'min_bytes', 'max_bytes'], 'bytes', (v: string) => Buffer.byteLength(v, 'utf8')));

  const pattern = str('pattern');
  if (pattern !== undefined) {
    const re = compileRe2(pattern);
    if (re)
      checks.push(
        simple(
          takeString,
          r.name('pattern'),
          (v) => re.test(v),
          () => `value does not match regex pattern ${JSON.stringify(pattern)}`,
        ),
      );
    else r.unchecked('pattern', `RE2 pattern ${JSON.stringify(pattern)} has no JS equivalent`);
  }
  const prefix = str('prefix');
  if (prefix !== undefined)
    checks.push(
      simple(
        takeString,
        r.name('prefix'),
        (v) => v.startsWith(prefix),
        () => `value does not have prefix ${JSON.stringify(prefix)}`,
      ),
    );
  const suffix = str('suffix');
  if (suffix !== undefined)
    checks.push(
      simple(
        takeString,
        r.name('suffix'),
        (v) => v.endsWith(suffix),
        () => `value does not have suffix ${JSON.stringify(suffix)}`,
      ),
    );
  const contains = str('contains');
  if (contains !== undefined)
    checks.push(
      simple(
        takeString,
        r.name('contains'),
        (v) => v.includes(contains),
        () => `value does not contain substring ${JSON.stringify(contains)}`,
      ),
    );
  const notContains = str('not_contains');
  if (notContains !== undefined)
    checks.push(
      simple(
        takeString,
        r.name('not_contains'),
        (v) => !v.includes(notContains),
        () => `value contains substring ${JSON.stringify(notContains)}`,
      ),
    );

  const inList = r.list('in').filter((v): v is string => typeof v === 'string');
  if (inList.length > 0)
    checks.push(
      simple(
        takeString,
        r.name('in'),
        (v) => inList.includes(v),
        (v) => `value must be in list [${inList.map((s) => JSON.stringify(s)).join(', ')}], got ${JSON.stringify(v)}`,
      ),
    );
  const notIn = r.list('not_in').filter((v): v is string => typeof v === 'string');
  if (notIn.length > 0)
    checks.push(
      simple(
        takeString,
        r.name('not_in'),
        (v) => !notIn.includes(v),
        (v) => `value must not be in list [${notIn.map((s) => JSON.stringify(s)).join(', ')}], got ${JSON.stringify(v)}`,
      ),
    );

  checks.push(...wellKnownStringChecks(r));
  return checks;
}

function wellKnownStringChecks(r: RuleReader): ValueCheck[] {
  const checks: ValueCheck[] = [];
  const flag = (key: string, ok: (v: string) => string | undefined): void => {
    if (!r.bool(key)) return;
    const rule = r.name(key);
    checks.push((value) => {
      const v = takeString(value);
      if (v === undefined) return undefined;
      const error = ok(v);
      return error === undefined ? undefined : { rule, message: error };
    });
  };
  flag('email', emailError);
  flag('hostname', (v) => {
    const error = hostnameError(v);
    return error === undefined ? undefined : `value must be a valid hostname: ${error}`;
  });
  flag('ip', (v) => (isIp(v) ? undefined : 'value must be a valid IP address'));
  flag('ipv4', (v) => (isIp(v, 4) ? undefined : 'value must be a valid IPv4 address'));
  flag('ipv6', (v) => (isIp(v, 6) ? undefined : 'value must be a valid IPv6 address'));
  flag('uri', (v) => (isUri(v) ? undefined : 'value must be a valid absolute URI'));
  flag('uri_ref', (v) => (isUriRef(v) ? undefined : 'value must be a valid URI reference'));
  flag('address', (v) => (isIp(v) || hostnameError(v) === undefined ? undefined : 'value must be a valid hostname or IP address'));
  flag('uuid', (v) => (isUuid(v) ? undefined : 'value must be a valid UUID'));

  // `strict` only modifies well_known_regex; PGV's default is true.
  const strict = r.get('strict') !== false;
  const known = r.get('well_known_regex');
  if (known !== undefined && known !== 'UNKNOWN' && known !== 0) {
    const rule = r.name('well_known_regex');
    let re: RegExp | undefined;
    let what = '';
    if (known === 'HTTP_HEADER_NAME' || known === 1) [re, what] = [strict ? HTTP_HEADER_NAME : HEADER_STRING, 'HTTP header name'];
    else if (known === 'HTTP_HEADER_VALUE' || known === 2) [re, what] = [strict ? HTTP_HEADER_VALUE : HEADER_STRING, 'HTTP header value'];
    if (re) {
      const regex = re;
      const text = `value must be a valid ${what}${strict ? '' : ' (no NUL, CR or LF)'}`;
      checks.push(
        simple(
          takeString,
          rule,
          (v) => regex.test(v),
          (v) => `${text}, got ${JSON.stringify(v)}`,
        ),
      );
    } else {
      r.unchecked('well_known_regex', `unknown regex ${JSON.stringify(known)}`);
    }
  }
  return checks;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function ruleBytes(v: unknown): Uint8Array | undefined {
  // protobufjs gives bytes option values as the unescaped string from the .proto; read it as
  // latin1. Its unescaping does not know \x or octal escapes (`"\x01"` becomes "01"), so only
  // printable values are reliable; no Envoy proto uses bytes const/prefix/suffix/contains/in.
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  if (v instanceof Uint8Array) return v;
  return undefined;
}

export function compileBytesRules(r: RuleReader): ValueCheck[] {
  const checks: ValueCheck[] = [];
  const bytes = (key: string): Uint8Array | undefined => {
    const raw = r.get(key);
    if (raw === undefined) return undefined;
    const v = ruleBytes(raw);
    if (v === undefined) r.unchecked(key, `unreadable value ${JSON.stringify(raw)}`);
    return v;
  };
  const constant = bytes('const');
  if (constant)
    checks.push(
      simple(
        takeBytes,
        r.name('const'),
        (v) => bytesEqual(v, constant),
        () => 'value must equal the constant bytes',
      ),
    );
  checks.push(...lengthChecks(r, takeBytes, ['len', 'min_len', 'max_len'], 'bytes', (v: Uint8Array) => v.length));
  const pattern = r.get('pattern');
  if (typeof pattern === 'string') {
    const re = compileRe2(pattern);
    if (re)
      checks.push(
        simple(
          takeBytes,
          r.name('pattern'),
          (v) => re.test(Buffer.from(v).toString('utf8')),
          () => `value does not match regex pattern ${JSON.stringify(pattern)}`,
        ),
      );
    else r.unchecked('pattern', `RE2 pattern ${JSON.stringify(pattern)} has no JS equivalent`);
  }
  const prefix = bytes('prefix');
  if (prefix)
    checks.push(
      simple(
        takeBytes,
        r.name('prefix'),
        (v) => bytesEqual(v.subarray(0, prefix.length), prefix),
        () => 'value does not have the required prefix',
      ),
    );
  const suffix = bytes('suffix');
  if (suffix)
    checks.push(
      simple(
        takeBytes,
        r.name('suffix'),
        (v) => v.length >= suffix.length && bytesEqual(v.subarray(v.length - suffix.length), suffix),
        () => 'value does not have the required suffix',
      ),
    );
  const contains = bytes('contains');
  if (contains)
    checks.push(
      simple(
        takeBytes,
        r.name('contains'),
        (v) => Buffer.from(v).includes(contains),
        () => 'value does not contain the required bytes',
      ),
    );
  const inList = r
    .list('in')
    .map(ruleBytes)
    .filter((v): v is Uint8Array => v !== undefined);
  if (inList.length > 0)
    checks.push(
      simple(
        takeBytes,
        r.name('in'),
        (v) => inList.some((x) => bytesEqual(x, v)),
        () => 'value must be one of the allowed byte strings',
      ),
    );
  const notIn = r
    .list('not_in')
    .map(ruleBytes)
    .filter((v): v is Uint8Array => v !== undefined);
  if (notIn.length > 0)
    checks.push(
      simple(
        takeBytes,
        r.name('not_in'),
        (v) => !notIn.some((x) => bytesEqual(x, v)),
        () => 'value must not be one of the forbidden byte strings',
      ),
    );
  if (r.bool('ip'))
    checks.push(
      simple(
        takeBytes,
        r.name('ip'),
        (v) => v.length === 4 || v.length === 16,
        () => 'value must be a valid IP address (4 or 16 bytes)',
      ),
    );
  if (r.bool('ipv4'))
    checks.push(
      simple(
        takeBytes,
        r.name('ipv4'),
        (v) => v.length === 4,
        () => 'value must be a valid IPv4 address (4 bytes)',
      ),
    );
  if (r.bool('ipv6'))
    checks.push(
      simple(
        takeBytes,
        r.name('ipv6'),
        (v) => v.length === 16,
        () => 'value must be a valid IPv6 address (16 bytes)',
      ),
    );
  return checks;
}
