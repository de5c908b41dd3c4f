// The mesh file shared through etcd (`switchyard config push`): replicas running with
// `--registry etcd` and no `--config` read it at start and reload it on every change, so all
// replicas apply the same policy. The key holds the YAML text exactly as pushed; problems are
// reported against `etcd:<key>` with line and column.

import type { Etcd3, IKeyValue } from 'etcd3';
import type { Logger } from 'pino';
import { parseMeshFile, type MeshParseResult } from '../config';
import { follow } from './follow';

export function etcdMeshSourceName(key: string): string {
  return `etcd:${key}`;
}

export interface EtcdMeshRead {
  /** The pushed mesh, parsed; undefined when none has been pushed yet. */
  readonly result: MeshParseResult | undefined;
  /** The etcd revision read at, so the watch misses nothing pushed in between. */
  readonly revision: string;
}

export async function loadEtcdMesh(client: Etcd3, key: string): Promise<EtcdMeshRead> {
  const response = await client.get(key).exec();
  const kv = response.kvs[0];
  return { result: kv ? parseMeshFile(kv.value.toString(), etcdMeshSourceName(key)) : undefined, revision: response.header.revision };
}

/**
 * Calls `onChange` with every version pushed after `revision`, valid or not (the caller keeps
 * the last valid one); after a lost watch, with the current content if it differs from the last seen.
 */
export async function watchEtcdMesh(
  client: Etcd3,
  key: string,
  revision: string,
  logger: Logger,
  onChange: (result: MeshParseResult) => void,
): Promise<() => void> {
  let lastText: string | undefined;
  const deliver = (text: string) => {
    lastText = text;
    onChange(parseMeshFile(text, etcdMeshSourceName(key)));
  };
  lastText = (await client.get(key).string()) ?? undefined;
  const follower = await follow({
    client,
    key,
    fromRevision: revision,
    logger,
    onPut: (kv: IKeyValue) => deliver(kv.value.toString()),
    onDelete: () => logger.warn({ key }, 'the shared mesh file was deleted from etcd; still serving the last valid one'),
    reread: async () => {
      const response = await client.get(key).exec();
      const text = response.kvs[0]?.value.toString();
      if (text !== undefined && text !== lastText) deliver(text);
      return response.header.revision;
    },
  });
  return () => void follower.stop();
}
