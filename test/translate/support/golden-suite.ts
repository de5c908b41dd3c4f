// The golden-file mechanics both golden suites share: one file per case, no strays, exact
// comparison, and UPDATE_GOLDEN=1 to rewrite (then review the diff like code).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

export function goldenSuite<C extends { name: string }>(title: string, dir: string, cases: readonly C[], render: (c: C) => string): void {
  const update = process.env.UPDATE_GOLDEN === '1';
  describe(title, () => {
    it('has one golden file per case and no stray ones', () => {
      if (update) return;
      const expected = cases.map((c) => `${c.name}.yaml`).sort();
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()).toEqual(expected);
    });

    for (const c of cases) {
      it(c.name, () => {
        const file = path.join(dir, `${c.name}.yaml`);
        const actual = render(c);
        if (update) {
          fs.writeFileSync(file, actual);
          return;
        }
        if (!fs.existsSync(file)) throw new Error(`missing golden file ${file}; run with UPDATE_GOLDEN=1 and review it`);
        expect(actual).toBe(fs.readFileSync(file, 'utf8'));
      });
    }
  });
}
