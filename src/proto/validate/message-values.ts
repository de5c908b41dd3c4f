// Reading values the walker needs beyond plain scalars: enums, map keys, and the single value a
// message-typed field's own rules look at (a wrapper's value, a Duration in nanoseconds, an
// Any's type URL).
import type * as protobuf from 'protobufjs';
import type { Scalar, ScalarType } from './scalars';
import { is64Bit, Mismatch, readScalar, scalarDefault } from './scalars';
import type { CompiledType } from './schema';

export function readEnum(enumType: protobuf.Enum, value: unknown): number | Mismatch {
  if (typeof value === 'string') {
    if (Object.hasOwn(enumType.values, value)) return enumType.values[value];
    const names = Object.keys(enumType.values);
    const shown = names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
    return new Mismatch(`unknown ${enumType.fullName.slice(1)} value; expected one of ${shown}`);
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= -2147483648 && value <= 2147483647) return value;
  return new Mismatch(`expected an enum name or int32 number for ${enumType.fullName.slice(1)}`);
}

export function readMapKey(type: ScalarType, key: string): Scalar | Mismatch {
  switch (type) {
    case 'string':
      return key;
    case 'bool':
      return key === 'true' ? true : key === 'false' ? false : new Mismatch(`expected "true" or "false", got ${JSON.stringify(key)}`);
    default: {
      if (!/^-?\d+$/.test(key)) return new Mismatch(`expected an integer key, got ${JSON.stringify(key)}`);
      return readScalar(type, is64Bit(type) ? key : Number(key));
    }
  }
}

export function isEmpty(value: Scalar): boolean {
  if (typeof value === 'string') return value === '';
  if (value instanceof Uint8Array) return value.length === 0;
  if (typeof value === 'boolean') return !value;
  return value === 0 || value === 0n;
}

export function secondsAndNanos(obj: Record<string, unknown>): [bigint, number] | undefined {
  const seconds = obj.seconds === undefined || obj.seconds === null ? 0n : readScalar('int64', obj.seconds);
  const nanos = obj.nanos === undefined || obj.nanos === null ? 0 : readScalar('int32', obj.nanos);
  if (typeof seconds !== 'bigint' || typeof nanos !== 'number') return undefined;
  return [seconds, nanos];
}

/** The value a message-typed field's own rules see: a wrapper's value, a Duration/Timestamp in nanoseconds, an Any's type URL. */
export function messageScalar(ct: CompiledType, obj: Record<string, unknown>): Scalar | undefined {
  switch (ct.wellKnown) {
    case 'wrapper': {
      if (!ct.wrapped) return undefined;
      if (obj.value === undefined || obj.value === null) return scalarDefault(ct.wrapped);
      const v = readScalar(ct.wrapped, obj.value);
      return v instanceof Mismatch ? undefined : v;
    }
    case 'duration':
    case 'timestamp': {
      const parts = secondsAndNanos(obj);
      return parts ? parts[0] * 1_000_000_000n + BigInt(parts[1]) : undefined;
    }
    case 'any': {
      const url = obj.type_url ?? obj['@type'];
      return typeof url === 'string' ? url : undefined;
    }
    default:
      return undefined;
  }
}
