export { XdsServer, type XdsServerOptions } from './server';
export { SnapshotCache, type GroupDemandHandler } from './snapshot-cache';
export { Snapshot } from './snapshot';
export { EncodedResource } from './encoded-resource';
export type { GroupResolver } from './stream-base';
export type { XdsObserver, StreamInfo, RejectReason } from './observer';
export type { StreamStatus, TypeSyncStatus, NackRecord, SentResources } from './stream-status';
