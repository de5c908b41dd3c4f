// The local demo keeps everything (the server's registry and CA, certificates, bootstraps, logs)
// in one directory, `.switchyard-demo` by default, emptied at every start so each run gets a
// fresh CA and registry, and kept after exit so the logs can be read. It only ever empties a
// directory it made itself (marked by MARKER), never one that merely happens to be named.
import * as fs from 'node:fs';
import * as path from 'node:path';

const MARKER = 'SWITCHYARD-DEMO';

export class DataDirError extends Error {}

export interface DemoLayout {
  readonly root: string;
  readonly serve: string;
  readonly logs: string;
  readonly bootstraps: string;
  certs(service: string): string;
}

export function prepareDataDir(dir: string): DemoLayout {
  const root = path.resolve(dir);
  if (fs.existsSync(root)) {
    if (!fs.statSync(root).isDirectory()) throw new DataDirError(`--data-dir: ${root} exists and is not a directory`);
    const entries = fs.readdirSync(root);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new DataDirError(`--data-dir: ${root} is not empty and was not made by the demo (no ${MARKER} file); refusing to empty it`);
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
  const layout: DemoLayout = {
    root,
    serve: path.join(root, 'serve'),
    logs: path.join(root, 'logs'),
    bootstraps: path.join(root, 'bootstrap'),
    certs: (service) => path.join(root, 'certs', service),
  };
  for (const d of [layout.serve, layout.logs, layout.bootstraps]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(root, MARKER), 'Made by `npm run demo`; emptied at its next start.\n');
  return layout;
}
