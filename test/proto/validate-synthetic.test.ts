// Rule kinds the vendored Envoy protos do not use today, exercised on a small test proto loaded
// next to the real validate.proto, so a proto refresh that starts using them is already covered.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { beforeAll, describe, expect, it } from 'vitest';
// For its side effect: registers descriptor.proto with protobufjs, which validate.proto imports.
import '../../src/proto/codec';
import { ProblemSink } from '../../src/proto/validate/problems';
import { compileType, uncheckedSoFar } from '../../src/proto/validate/schema';
import { Walker } from '../../src/proto/validate/walk';
import { summary } from './problems';

const PROTO = `
syntax = "proto3";
package synthetic;
import "validate/validate.proto";
import "google/protobuf/any.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/timestamp.proto";

message Strings {
  string email = 1 [(validate.rules).string.email = true];
  string hostname = 2 [(validate.rules).string.hostname = true];
  string ip = 3 [(validate.rules).string.ip = true];
  string ipv4 = 4 [(validate.rules).string.ipv4 = true];
  string ipv6 = 5 [(validate.rules).string.ipv6 = true];
  string uri = 6 [(validate.rules).string.uri = true];
  string uri_ref = 7 [(validate.rules).string.uri_ref = true];
  string address = 8 [(validate.rules).string.address = true];
  string uuid = 9 [(validate.rules).string.uuid = true];
  string affixes = 10 [(validate.rules).string = {prefix: "a" suffix: "z" contains: "m" not_contains: "x" not_in: ["amz"]}];
  string exact = 11 [(validate.rules).string = {len: 3 const: "é€😀"}];
}

message Numbers {
  int32 i32 = 1 [(validate.rules).int32 = {in: [1, 2, 3]}];
  sint64 s64 = 2 [(validate.rules).sint64 = {not_in: [-5], gt: -10, lt: 10}];
  fixed32 f32 = 3 [(validate.rules).fixed32.const = 7];
  float fl = 4 [(validate.rules).float = {lt: 0.1}];
  optional uint32 maybe = 5 [(validate.rules).uint32.gt = 10];
}

message Bytes {
  bytes b = 1 [(validate.rules).bytes = {prefix: "k" len: 4}];
  bytes ip = 2 [(validate.rules).bytes.ipv4 = true];
  bytes one_of = 3 [(validate.rules).bytes = {in: ["ab", "cd"]}];
}

message Times {
  google.protobuf.Timestamp past = 1 [(validate.rules).timestamp = {required: true, lt_now: true}];
  google.protobuf.Timestamp recent = 2 [(validate.rules).timestamp.within = {seconds: 60}];
  google.protobuf.Duration d = 3 [(validate.rules).duration = {in {seconds: 1} in {seconds: 2}}];
  google.protobuf.Any only = 4 [(validate.rules).any = {in: ["type.googleapis.com/google.protobuf.Duration"]}];
}

message Inner {
  string name = 1 [(validate.rules).string.min_len = 1];
}

message Containers {
  map<string, Inner> by_name = 1 [(validate.rules).map = {min_pairs: 1, max_pairs: 2, keys: {string: {min_len: 2}}}];
  Inner skipped = 2 [(validate.rules).message.skip = true];
  repeated Inner items = 3 [(validate.rules).repeated = {max_items: 2}];
  map<int32, string> numbered = 4 [(validate.rules).map.values.string.min_len = 1];
}

message Disabled {
  option (validate.disabled) = true;
  string name = 1 [(validate.rules).string.min_len = 1];
}

message Unchecked {
  string re2 = 1 [(validate.rules).string.pattern = "(?i)abc"];
  string future = 2 [(validate.rules).string.some_future_rule = true];
  int32 wrong = 3 [(validate.rules).string.min_len = 1];
}
`;

let root: protobuf.Root;

beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-validate-'));
  fs.writeFileSync(path.join(dir, 'synthetic.proto'), PROTO);
  const validateDir = path.resolve(__dirname, '../../protos/protoc-gen-validate');
  root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const d of [dir, validateDir]) if (fs.existsSync(path.join(d, target))) return path.join(d, target);
    return target;
  };
  root.loadSync('synthetic.proto', { keepCase: true });
  root.resolveAll();
});

function check(type: string, message: object): string[] {
  const sink = new ProblemSink();
  new Walker(sink, root).message(compileType(root.lookupType(`synthetic.${type}`)), message, '', true);
  return summary(sink.problems).sort();
}

const GOOD_STRINGS = {
  email: 'Ops <ops@mesh.example>',
  hostname: 'api.mesh.example.',
  ip: '::1',
  ipv4: '10.0.0.1',
  ipv6: 'fe80::1',
  uri: 'https://mesh.example/x?y=1',
  uri_ref: '../x',
  address: 'mesh.example',
  uuid: '123e4567-e89b-12d3-a456-426614174000',
  affixes: 'abmz',
  exact: 'é€😀',
};

describe('string formats', () => {
  it('accepts good values', () => {
    expect(check('Strings', GOOD_STRINGS)).toEqual([]);
  });

  it('rejects bad ones, each under its rule', () => {
    const bad = {
      email: 'ops@-bad-.example',
      hostname: 'under_score.example',
      ip: '10.0.0.256',
      ipv4: '::1',
      ipv6: '10.0.0.1',
      uri: '/relative',
      uri_ref: 'has space',
      address: 'not an address',
      uuid: '123e4567e89b12d3a456426614174000',
      affixes: 'amxz',
      exact: 'abc',
    };
    expect(check('Strings', bad)).toEqual([
      'address string.address',
      'affixes string.not_contains',
      'email string.email',
      'exact string.const',
      'hostname string.hostname',
      'ip string.ip',
      'ipv4 string.ipv4',
      'ipv6 string.ipv6',
      'uri string.uri',
      'uri_ref string.uri_ref',
      'uuid string.uuid',
    ]);
    expect(check('Strings', { ...GOOD_STRINGS, affixes: 'amz' })).toEqual(['affixes string.not_in']);
    expect(check('Strings', { ...GOOD_STRINGS, affixes: 'bmz' })).toEqual(['affixes string.prefix']);
    expect(check('Strings', { ...GOOD_STRINGS, exact: 'é€😀!' })).toEqual(['exact string.const', 'exact string.len']);
  });
});

describe('numbers', () => {
  it('in / not_in / const / ranges across integer kinds; float compares as float32', () => {
    const good = { i32: 2, s64: '-9', f32: 7, fl: 0.05 };
    expect(check('Numbers', good)).toEqual([]);
    expect(check('Numbers', { i32: 4, s64: '-5', f32: 8, fl: 0.1 })).toEqual(['f32 fixed32.const', 'fl float.lt', 'i32 int32.in', 's64 sint64.not_in']);
    expect(check('Numbers', { ...good, s64: 10 })).toEqual(['s64 sint64.gt,lt']);
    // Unset proto3 scalars are checked as their defaults: 0 is not in [1, 2, 3] and not 7.
    expect(check('Numbers', {})).toEqual(['f32 fixed32.const', 'i32 int32.in']);
  });

  it('a proto3 optional field is only checked when set', () => {
    expect(check('Numbers', { i32: 1, f32: 7 })).toEqual([]);
    expect(check('Numbers', { i32: 1, f32: 7, maybe: 3 })).toEqual(['maybe uint32.gt']);
  });
});

describe('bytes', () => {
  it('prefix, len, in and ipv4', () => {
    expect(check('Bytes', { b: Buffer.from('key!'), ip: Buffer.from([10, 0, 0, 1]), one_of: Buffer.from('cd') })).toEqual([]);
    expect(check('Bytes', { b: Buffer.from('no!'), ip: Buffer.alloc(16), one_of: Buffer.from('ef') })).toEqual([
      'b bytes.len',
      'b bytes.prefix',
      'ip bytes.ipv4',
      'one_of bytes.in',
    ]);
  });
});

describe('timestamps, durations, any', () => {
  const nowSeconds = Math.floor(Date.now() / 1000);
  it('required, lt_now, within, duration in, any in', () => {
    const good = {
      past: { seconds: nowSeconds - 10 },
      recent: { seconds: nowSeconds },
      d: { seconds: 2 },
      only: { type_url: 'type.googleapis.com/google.protobuf.Duration', value: Buffer.alloc(0) },
    };
    expect(check('Times', good)).toEqual([]);
    const bad = {
      past: { seconds: nowSeconds + 3600 },
      recent: { seconds: nowSeconds - 3600 },
      d: { seconds: 3 },
      only: { type_url: 'type.googleapis.com/google.protobuf.Timestamp', value: Buffer.alloc(0) },
    };
    expect(check('Times', bad)).toEqual(['d duration.in', 'only any.in', 'past timestamp.lt_now', 'recent timestamp.within']);
    expect(check('Times', {})).toEqual(['past timestamp.required']);
    expect(check('Times', { past: { seconds: '-62135596801' } })).toEqual(['past google.protobuf.Timestamp']);
  });
});

describe('containers and message options', () => {
  it('map pairs and keys, message.skip, repeated max_items, map values', () => {
    expect(check('Containers', { by_name: { ab: { name: 'x' } }, skipped: { name: '' } })).toEqual([]);
    expect(check('Containers', { by_name: {}, items: [{ name: 'a' }, { name: 'b' }, { name: '' }] })).toEqual([
      'by_name map.min_pairs',
      'items repeated.max_items',
      'items[2].name string.min_len',
    ]);
    expect(check('Containers', { by_name: { a: { name: 'x' }, bb: { name: '' }, cc: { name: 'y' } } })).toEqual([
      'by_name map.max_pairs',
      'by_name["a"] string.min_len',
      'by_name["bb"].name string.min_len',
    ]);
    expect(check('Containers', { by_name: { ab: { name: 'x' } }, numbered: { 1: 'one', x: 'bad', 2: '' } })).toEqual([
      'numbered["2"] string.min_len',
      'numbered["x"] shape.type',
    ]);
  });

  it('message.skip and (validate.disabled) turn rules off but keep the shape strict', () => {
    expect(check('Containers', { by_name: { ab: { name: 'x' } }, skipped: { nme: '' } })).toEqual(['skipped.nme shape.unknown_field']);
    expect(check('Disabled', {})).toEqual([]);
    expect(check('Disabled', { name: 5 })).toEqual(['name shape.type']);
  });

  it('reports what it cannot check instead of passing it silently', () => {
    compileType(root.lookupType('synthetic.Unchecked'));
    const mine = uncheckedSoFar().filter((u) => u.sites.some((s) => s.where.startsWith('synthetic.')));
    expect(mine.map((u) => u.rule)).toEqual(['string', 'string.pattern', 'string.some_future_rule']);
    expect(check('Unchecked', { re2: 'ABC', future: 'x', wrong: 0 })).toEqual([]);
  });
});
