// A serve that cannot open its admin port must say so and exit 1, not linger with its xDS port
// bound (it used to: the failure was printed but the process never ended).
import { spawnSync } from 'node:child_process';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { BIN, tempDir } from '../support/serve-process';

describe('serve with its admin address taken', () => {
  it('exits 1 naming the address', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const result = spawnSync(
        process.execPath,
        [BIN, 'serve', '--data-dir', tempDir(), '--xds-address', '127.0.0.1:0', '--admin-address', `127.0.0.1:${port}`],
        { encoding: 'utf8', timeout: 30_000 },
      );
      expect(result.signal).toBeNull();
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`admin address 127.0.0.1:${port} is already in use`);
    } finally {
      blocker.close();
    }
  }, 40_000);
});
