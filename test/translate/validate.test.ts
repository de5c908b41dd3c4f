// Every resource translation produces decodes with Envoy's protos and satisfies their
// validate.rules, checked by the project's strict validator (src/proto/validate.ts).
//
// The validator is imported at run time, not statically, only so that this file typechecks
// before src/proto/validate.ts exists; if it is missing, every test here FAILS (never skips).
// Once it has landed this can become a plain `import { validateMessage } from ...`.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Problem } from '../../src/model';
import { translateForProxy } from '../../src/translate/translate';
import { loadSuite } from './support/case-files';
import { proxyLabel } from './support/mesh-fixtures';
import { TYPE_ORDER, typeNameOf } from './support/render';

const CASES = loadSuite('plaintext');

type ValidateMessage = (typeName: string, message: object) => Problem[];

let validateMessage: ValidateMessage | undefined;
let loadError = '';

beforeAll(async () => {
  const modulePath = '../../src/proto/validate';
  try {
    const mod = (await import(/* @vite-ignore */ modulePath)) as { validateMessage?: unknown };
    if (typeof mod.validateMessage === 'function') validateMessage = mod.validateMessage as ValidateMessage;
    else loadError = 'src/proto/validate.ts does not export validateMessage(typeName, message)';
  } catch (e) {
    loadError = `src/proto/validate.ts could not be loaded: ${(e as Error).message}`;
  }
});

function requireValidator(): ValidateMessage {
  if (!validateMessage) throw new Error(loadError || 'validator not loaded');
  return validateMessage;
}

describe('every translated resource passes validateMessage', () => {
  for (const c of CASES) {
    for (const proxy of c.proxies) {
      it(`${c.name} / ${proxyLabel(proxy)}`, () => {
        const validate = requireValidator();
        const { resources } = translateForProxy(c.state, proxy);
        const problems: string[] = [];
        for (const { typeUrl } of TYPE_ORDER) {
          for (const r of resources[typeUrl]) {
            for (const p of validate(typeNameOf(typeUrl), r.message)) problems.push(`${typeNameOf(typeUrl)} ${r.name}: ${p.path}: ${p.message}`);
          }
        }
        expect(problems).toEqual([]);
      });
    }
  }

  it('the validator can fail: a cluster with a zero connect timeout and an unknown field is refused', () => {
    const validate = requireValidator();
    const problems = validate('envoy.config.cluster.v3.Cluster', { name: 'x', connect_timeout: { seconds: 0 }, no_such_field: true });
    expect(problems.length).toBeGreaterThanOrEqual(2);
  });
});
