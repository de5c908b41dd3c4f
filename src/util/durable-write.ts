// The one way Switchyard replaces a file it must not lose or half-write (registry snapshot, CA
// roots, token key and revocations, ACL tokens, agent certificate files): write a temporary file
// beside it, fsync it, rename it over the old one, then fsync the directory. A crash at any point
// leaves either the complete old file or the complete new one, and once the call returns the new
// one survives a power cut (the rename itself is only durable after the directory's fsync).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the next version is written before the rename; a leftover one is never read. */
export function temporaryFileFor(file: string): string {
  return `${file}.tmp`;
}

/** Some platforms and filesystems cannot fsync a directory; the rename is still atomic there. */
function ignorableDirectorySyncError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EINVAL' || code === 'EISDIR' || code === 'EPERM' || code === 'ENOTSUP';
}

export async function writeFileDurably(file: string, data: string, mode = 0o600): Promise<void> {
  const temporary = temporaryFileFor(file);
  const handle = await fs.promises.open(temporary, 'w', mode);
  try {
    await handle.writeFile(data, 'utf8');
    // open's mode only applies to a new file; an old temporary may have other bits.
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(temporary, file);
  const dir = await fs.promises.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } catch (error) {
    if (!ignorableDirectorySyncError(error)) throw error;
  } finally {
    await dir.close();
  }
}

/** The same for callers that cannot await (start-up, the token authority's synchronous API). */
export function writeFileDurablySync(file: string, data: string, mode = 0o600): void {
  const temporary = temporaryFileFor(file);
  const fd = fs.openSync(temporary, 'w', mode);
  try {
    fs.writeSync(fd, data);
    fs.fchmodSync(fd, mode);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } catch (error) {
    if (!ignorableDirectorySyncError(error)) throw error;
  } finally {
    fs.closeSync(dir);
  }
}
