import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/registry/errors';
import { checkInstanceId, checkServiceName, parseInstanceRegistration } from '../../src/registry/validation';

function fieldOf(value: unknown): string | undefined {
  const result = parseInstanceRegistration(value);
  return result instanceof RegistryError ? result.field : undefined;
}

describe('service and id names', () => {
  it.each(['a', 'catalog', 'catalog-v2', '0abc', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(checkServiceName(name)).toBeUndefined();
    expect(checkInstanceId(name)).toBeUndefined();
  });

  it.each(['', 'Catalog', '-a', 'a-', 'a_b', 'a.b', 'a/b', 'a'.repeat(64), 'ä'])('rejects %j', (name) => {
    expect(checkServiceName(name)?.field).toBe('service');
    expect(checkInstanceId(name)?.field).toBe('id');
  });

  it('rejects non-strings and the reserved static- prefix for ids', () => {
    expect(checkServiceName(42)?.message).toContain('must be a string');
    expect(checkInstanceId('static-10-0-0-1-80')?.message).toContain('reserved');
  });
});

describe('parseInstanceRegistration', () => {
  const base = { address: '10.0.0.1', port: 8080 };

  it('accepts IPv4, IPv6 and hostnames, and normalises labels to key order', () => {
    for (const address of ['10.0.0.1', 'fd00::1', '::1', 'catalog.default.svc', 'localhost', 'host-1.example.com.']) {
      expect(fieldOf({ ...base, address })).toBeUndefined();
    }
    const parsed = parseInstanceRegistration({
      ...base,
      labels: { z: '1', a: '', 'example.com/tier': 'web' },
      weight: 128,
      zone: 'us-east-1a',
      region: 'us-east',
      ttlMs: 1000,
    });
    expect(parsed).toEqual({
      address: '10.0.0.1',
      port: 8080,
      labels: { a: '', 'example.com/tier': 'web', z: '1' },
      weight: 128,
      zone: 'us-east-1a',
      region: 'us-east',
      ttlMs: 1000,
    });
    expect(Object.keys((parsed as { labels: object }).labels)).toEqual(['a', 'example.com/tier', 'z']);
  });

  it('treats null optional fields as absent', () => {
    expect(parseInstanceRegistration({ ...base, labels: null, weight: null, zone: null, ttlMs: null })).toEqual(base);
  });

  it.each([
    ['body', null, 'registration'],
    ['array body', [], 'registration'],
    ['missing address', { port: 80 }, 'address'],
    ['numeric address', { address: 10, port: 80 }, 'address'],
    ['bad IPv4', { address: '10.0.0.256', port: 80 }, 'address'],
    ['bracketed IPv6', { address: '[::1]', port: 80 }, 'address'],
    ['unspecified IPv4', { address: '0.0.0.0', port: 80 }, 'address'],
    ['unspecified IPv6', { address: '::', port: 80 }, 'address'],
    ['hostname with space', { address: 'a b', port: 80 }, 'address'],
    ['hostname with underscore', { address: 'a_b.com', port: 80 }, 'address'],
    ['URL as address', { address: 'http://x', port: 80 }, 'address'],
    ['missing port', { address: '10.0.0.1' }, 'port'],
    ['port 0', { ...base, port: 0 }, 'port'],
    ['port 65536', { ...base, port: 65_536 }, 'port'],
    ['fractional port', { ...base, port: 80.5 }, 'port'],
    ['string port', { ...base, port: '80' }, 'port'],
    ['weight 0', { ...base, weight: 0 }, 'weight'],
    ['weight 129', { ...base, weight: 129 }, 'weight'],
    ['fractional weight', { ...base, weight: 1.5 }, 'weight'],
    ['labels array', { ...base, labels: ['a'] }, 'labels'],
    ['label key with space', { ...base, labels: { 'a b': 'x' } }, 'labels.a b'],
    ['label key too long', { ...base, labels: { ['k'.repeat(64)]: 'x' } }, `labels.${'k'.repeat(64)}`],
    ['label key bad prefix', { ...base, labels: { 'Example.com/x': 'x' } }, 'labels.Example.com/x'],
    ['label key empty name', { ...base, labels: { 'example.com/': 'x' } }, 'labels.example.com/'],
    ['label value not string', { ...base, labels: { a: 1 } }, 'labels.a'],
    ['label value with slash', { ...base, labels: { a: 'x/y' } }, 'labels.a'],
    ['label value too long', { ...base, labels: { a: 'v'.repeat(64) } }, 'labels.a'],
    ['too many labels', { ...base, labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }, 'labels'],
    ['empty zone', { ...base, zone: '' }, 'zone'],
    ['zone with space', { ...base, zone: 'zone a' }, 'zone'],
    ['empty region', { ...base, region: '' }, 'region'],
    ['region with slash', { ...base, region: 'eu/west' }, 'region'],
    ['ttl too short', { ...base, ttlMs: 999 }, 'ttlMs'],
    ['ttl too long', { ...base, ttlMs: 24 * 3_600_000 + 1 }, 'ttlMs'],
    ['unknown field', { ...base, adress: 'x' }, 'adress'],
  ])('rejects %s with field %s', (_name, value, field) => {
    const result = parseInstanceRegistration(value);
    expect(result).toBeInstanceOf(RegistryError);
    expect((result as RegistryError).code).toBe('invalid_argument');
    expect((result as RegistryError).field).toBe(field);
  });
});
