// The compatibility table's C-core 1.51 column (README), from a real client: gRPC C-core through
// Debian's python3-grpcio, served the feature mesh translated for C-core (support/feature-matrix.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPythonXdsClient, type PythonXdsClient } from '../support/python-xds-client';
import { tempDir } from '../support/serve-process';
import { eventually } from '../support/xds-harness';
import { featureChecks, startFeatureRig, type FeatureRig } from './support/feature-matrix';
import { grpcClient } from './support/mesh-fixtures';

const C_CORE_151 = {
  name: 'gRPC C-core linux Python',
  version: 'C-core 29.0.0 Python 1.51.1',
  features: ['envoy.lb.does_not_support_overprovisioning', 'xds.config.resource-in-sotw'],
};

let rig: FeatureRig;
let py: PythonXdsClient;

beforeAll(async () => {
  rig = await startFeatureRig({ ...grpcClient('client'), client: C_CORE_151 });
  const file = path.join(tempDir('switchyard-core-features-'), 'bootstrap.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      xds_servers: [{ server_uri: rig.harness.address, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: 'client-core-1', cluster: 'client', locality: {} },
    }),
  );
  py = startPythonXdsClient(file);
  await eventually(async () => (await py.calls({ target: 'xds:///health', n: 1, deadlineS: 20 })).backends.healthy === 1, 30_000, 'first call');
});

afterAll(async () => {
  await py?.close();
  await rig?.stop();
});

describe('mesh features with gRPC C-core 1.51 (Python)', () => {
  featureChecks(it, expect, () => ({ caller: py, rig }));
});
