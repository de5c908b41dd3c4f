// Reading scalar values in @grpc/proto-loader's input shape, strictly. protobufjs's fromObject
// coerces almost anything (`"abc" | 0` becomes 0, unknown enum names vanish), so a wrong type
// would silently become a default value on the wire; here it is an error instead.

export type ScalarType =
  | 'double'
  | 'float'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'fixed32'
  | 'sfixed32'
  | 'int64'
  | 'uint64'
  | 'sint64'
  | 'fixed64'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

/**
 * A normalized scalar: 32-bit integers, floats and enums as number, 64-bit integers and
 * Duration/Timestamp (as nanoseconds) as bigint, bytes as Uint8Array.
 */
export type Scalar = string | number | bigint | boolean | Uint8Array;

/** Returned instead of a value when the JS value has the wrong type or range. */
export class Mismatch {
  constructor(readonly reason: string) {}
}

const SCALAR_TYPES: ReadonlySet<string> = new Set<ScalarType>([
  'double',
  'float',
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
  'bool',
  'string',
  'bytes',
]);

export function isScalarType(type: string): type is ScalarType {
  return SCALAR_TYPES.has(type);
}

export function is64Bit(type: ScalarType): boolean {
  return type === 'int64' || type === 'uint64' || type === 'sint64' || type === 'fixed64' || type === 'sfixed64';
}

function isUnsigned(type: ScalarType): boolean {
  return type === 'uint32' || type === 'fixed32' || type === 'uint64' || type === 'fixed64';
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const EMPTY_BYTES = new Uint8Array(0);

/** The proto3 default of a scalar type: what an unset field means, and what PGV checks then. */
export function scalarDefault(type: ScalarType): Scalar {
  switch (type) {
    case 'string':
      return '';
    case 'bytes':
      return EMPTY_BYTES;
    case 'bool':
      return false;
    default:
      return is64Bit(type) ? 0n : 0;
  }
}

// A lone surrogate cannot be encoded as UTF-8; protobufjs writes it anyway and Envoy's parser
// rejects the whole message.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;
const DECIMAL = /^-?\d+$/;
const FLOAT_STRING = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

export function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** Normalizes a value of the given scalar type, or explains why it is not one. */
export function readScalar(type: ScalarType, value: unknown): Scalar | Mismatch {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') return new Mismatch('expected a string');
      if (hasLoneSurrogate(value)) return new Mismatch('string contains a lone UTF-16 surrogate and cannot be encoded as UTF-8');
      return value;
    case 'bytes':
      if (value instanceof Uint8Array) return value;
      if (typeof value === 'string') return decodeBase64(value) ?? new Mismatch('expected bytes or a base64 string');
      return new Mismatch('expected bytes (Buffer or Uint8Array) or a base64 string');
    case 'bool':
      return typeof value === 'boolean' ? value : new Mismatch('expected a boolean');
    case 'double':
    case 'float':
      if (typeof value === 'number') return value;
      if (typeof value === 'string') return readFloatString(value) ?? new Mismatch('expected a number');
      return new Mismatch('expected a number');
    default:
      return is64Bit(type) ? readInt64(type, value) : readInt32(type, value);
  }
}

function readFloatString(text: string): number | undefined {
  if (text === 'NaN') return NaN;
  if (text === 'Infinity') return Infinity;
  if (text === '-Infinity') return -Infinity;
  return FLOAT_STRING.test(text) ? Number(text) : undefined;
}

function readInt32(type: ScalarType, value: unknown): number | Mismatch {
  if (typeof value !== 'number' || !Number.isInteger(value)) return new Mismatch(`expected an integer (${type})`);
  const [min, max] = isUnsigned(type) ? [0, UINT32_MAX] : [INT32_MIN, INT32_MAX];
  if (value < min || value > max) return new Mismatch(`${value} is out of range for ${type}`);
  return value;
}

function readInt64(type: ScalarType, value: unknown): bigint | Mismatch {
  let result: bigint;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return new Mismatch(`expected an integer (${type})`);
    result = BigInt(value);
  } else if (typeof value === 'string') {
    if (!DECIMAL.test(value)) return new Mismatch(`expected a decimal integer string (${type})`);
    result = BigInt(value);
  } else {
    const long = readLongLike(value);
    if (long === undefined) return new Mismatch(`expected an integer, decimal string or Long (${type})`);
    result = long;
  }
  const [min, max] = isUnsigned(type) ? [0n, UINT64_MAX] : [INT64_MIN, INT64_MAX];
  if (result < min || result > max) return new Mismatch(`${result} is out of range for ${type}`);
  return result;
}

/** proto-loader accepts Long objects ({low, high, unsigned}) for 64-bit fields. */
function readLongLike(value: unknown): bigint | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { low, high, unsigned } = value as { low?: unknown; high?: unknown; unsigned?: unknown };
  if (typeof low !== 'number' || typeof high !== 'number') return undefined;
  const bits = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  return unsigned === true ? bits : BigInt.asIntN(64, bits);
}

/** Reads an integer out of a rule value in the parsed options (a number, or a string for huge ones). */
export function ruleBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && DECIMAL.test(value)) return BigInt(value);
  if (typeof value === 'bigint') return value;
  return undefined;
}
