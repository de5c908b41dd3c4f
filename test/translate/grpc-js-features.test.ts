// The compatibility table's grpc-js-xds 1.14 column (README): the same checks as
// grpc-core-features.test.ts, with the real @grpc/grpc-js-xds client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useXdsBootstrap } from '../support/xds-client';
import { eventually } from '../support/xds-harness';
import { featureChecks, grpcJsCaller, startFeatureRig, type FeatureRig } from './support/feature-matrix';
import { grpcClient } from './support/mesh-fixtures';

const GRPC_JS_XDS_114 = { name: 'gRPC Node Pure JS', version: '1.14.1', features: ['envoy.lb.does_not_support_overprovisioning'] };

let rig: FeatureRig;
const caller = grpcJsCaller();

beforeAll(async () => {
  rig = await startFeatureRig({ ...grpcClient('client'), client: GRPC_JS_XDS_114 });
  useXdsBootstrap(rig.harness.address, { id: 'client-js-1', cluster: 'client' });
  await eventually(async () => (await caller.calls({ target: 'xds:///health', n: 1, deadlineS: 20 })).backends.healthy === 1, 30_000, 'first call');
});

afterAll(async () => {
  caller.close();
  await rig?.stop();
});

describe('mesh features with grpc-js-xds 1.14', () => {
  featureChecks(it, expect, () => ({ caller, rig }));
});
