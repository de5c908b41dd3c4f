import { configDefaults, defineConfig } from 'vitest/config';
import { filesWithoutTheirTools } from './test/support/required-tools.ts';

const { exclude, lines } = filesWithoutTheirTools();
for (const line of lines) console.warn(line);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...exclude],
    // Integration tests start real servers and real gRPC xDS clients; give them room on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
