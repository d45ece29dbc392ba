import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What the web chat accepts as an attachment: images for screenshots, PDF and plain text for documents. */
export const UPLOAD_TYPES: Record<string, { ext: string; image: boolean; magic?: (b: Buffer) => boolean }> = {
  'image/png': {
    ext: 'png',
    image: true,
    magic: (b) => b.subarray(0, 8).equals(Buffer.from('89504e470d0a1a0a', 'hex')),
  },
  'image/jpeg': { ext: 'jpg', image: true, magic: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  'image/gif': { ext: 'gif', image: true, magic: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
  'image/webp': {
    ext: 'webp',
    image: true,
    magic: (b) =>
      b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
  'application/pdf': {
    ext: 'pdf',
    image: false,
    magic: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  },
  'text/plain': { ext: 'txt', image: false },
};

export const UPLOAD_MAX_BYTES = 5 * 1024 * 1024;

export interface StoredFile {
  id: string;
  name: string;
  contentType: string;
  size: number;
  /** The chat user who uploaded it: only they may attach it to a message. */
  owner: string;
  createdAt: string;
}

export class UploadError extends Error {
  constructor(readonly code: 'unsupported_type' | 'too_large' | 'empty' | 'content_mismatch') {
    super(code);
    this.name = 'UploadError';
  }
}

const ID_PATTERN = /^[a-f0-9]{32}$/;

/** A file name safe to show and to put in Content-Disposition: no path, no control characters, bounded. */
export function cleanFileName(name: string | undefined, ext: string): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .replace(/[\p{Cc}"<>]/gu, '')
    .trim()
    .slice(0, 100);
  return cleaned || `file.${ext}`;
}

/**
 * Files sent in the web chat, under DATA_DIR/uploads: the bytes as `<id>` and what we know about them
 * as `<id>.json`. Ids are 128 random bits: a file's URL (/files/<id>) is shared only through the chat
 * and the ticket it is attached to. The declared type must be allowed and, where it has a signature,
 * match the bytes, so a script cannot be served as an image.
 */
export class UploadStore {
  constructor(readonly dir: string) {}

  async save(
    data: Buffer,
    input: { name?: string; contentType: string; owner: string },
  ): Promise<StoredFile> {
    const contentType = input.contentType.split(';')[0]!.trim().toLowerCase();
    const type = UPLOAD_TYPES[contentType];
    if (!type) throw new UploadError('unsupported_type');
    if (data.length === 0) throw new UploadError('empty');
    if (data.length > UPLOAD_MAX_BYTES) throw new UploadError('too_large');
    if (type.magic && !type.magic(data)) throw new UploadError('content_mismatch');
    const file: StoredFile = {
      id: randomBytes(16).toString('hex'),
      name: cleanFileName(input.name, type.ext),
      contentType,
      size: data.length,
      owner: input.owner,
      createdAt: new Date().toISOString(),
    };
    await mkdir(this.dir, { recursive: true });
    await writeFile(path.join(this.dir, file.id), data, { flag: 'wx' });
    await writeFile(path.join(this.dir, `${file.id}.json`), JSON.stringify(file), { flag: 'wx' });
    return file;
  }

  async get(id: string): Promise<{ file: StoredFile; path: string } | undefined> {
    if (!ID_PATTERN.test(id)) return undefined;
    try {
      const file = JSON.parse(await readFile(path.join(this.dir, `${id}.json`), 'utf8')) as StoredFile;
      const bytes = path.join(this.dir, id);
      await stat(bytes);
      return { file, path: path.resolve(bytes) };
    } catch {
      return undefined;
    }
  }
}
