// Keys at rest: a sealed value whose GCM tag was cut short does not open (a short tag is
// forgeable by trial; Node accepts 4- to 16-byte tags unless told the length), and an empty or
// short xDS token key refuses to start rather than sign forgeable tokens.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seal, unseal } from '../../src/ca/sealed-key';
import { TokenAuthority } from '../../src/ca/tokens';
import { BIN, tempDir } from '../support/serve-process';

const KEY = Buffer.alloc(32, 3);

describe('sealed values', () => {
  it('open with the full 16-byte tag, and not with a truncated one', () => {
    const sealed = seal('secret', KEY, 'ctx');
    expect(unseal(sealed, KEY, 'ctx')).toBe('secret');
    const [v, iv, tag, body] = sealed.split('.') as [string, string, string, string];
    const short = Buffer.from(tag, 'base64').subarray(0, 4).toString('base64');
    expect(() => unseal([v, iv, short, body].join('.'), KEY, 'ctx')).toThrow(/altered/);
  });
});

describe('the xDS token key', () => {
  it.each([
    ['empty', ''],
    ['short', Buffer.alloc(8, 1).toString('base64')],
  ])('an %s key file refuses to load, and serve refuses to start', (_what, content) => {
    const dir = tempDir('switchyard-token-key-');
    fs.mkdirSync(path.join(dir, 'ca'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'ca', 'token-key'), content);
    expect(() => TokenAuthority.open(path.join(dir, 'ca'))).toThrow(/at least 32/);
    const r = spawnSync(process.execPath, [BIN, 'serve', '--data-dir', dir, '--xds-address', '127.0.0.1:0', '--admin-address', '127.0.0.1:0'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/at least 32/);
  });
});
