// The golden-file mechanics both golden suites share: every <case>.in.yaml has its
// <case>.out.yaml beside it and nothing else lies there, comparison is exact, and
// UPDATE_GOLDEN=1 rewrites the outputs (then review the diff like code).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { INPUT_SUFFIX, loadSuite, OUTPUT_SUFFIX, TESTDATA_DIR, type GoldenCase, type Suite } from './case-files';

export function goldenSuite(title: string, suite: Suite, render: (c: GoldenCase) => string): void {
  const update = process.env.UPDATE_GOLDEN === '1';
  const cases = loadSuite(suite);
  describe(title, () => {
    it('has one output beside each input and no stray files', () => {
      if (update) return;
      const expected = cases.flatMap((c) => [`${c.name}${INPUT_SUFFIX}`, `${c.name}${OUTPUT_SUFFIX}`]).sort();
      expect(fs.readdirSync(path.join(TESTDATA_DIR, suite)).sort()).toEqual(expected);
    });

    for (const c of cases) {
      it(c.name, () => {
        const actual = render(c);
        if (update) {
          fs.writeFileSync(c.outputFile, actual);
          return;
        }
        if (!fs.existsSync(c.outputFile)) throw new Error(`missing golden file ${c.outputFile}; run with UPDATE_GOLDEN=1 and review it`);
        expect(actual).toBe(fs.readFileSync(c.outputFile, 'utf8'));
      });
    }
  });
}
