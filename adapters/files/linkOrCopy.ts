import fs from 'node:fs/promises';

/** A hard link (no bytes copied), or a copy where links cannot be made (another file system). */
export async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await fs.link(from, to);
  } catch {
    await fs.copyFile(from, to);
  }
}
