import { randomBytes } from 'node:crypto';
import type { ChatOrigin } from '../../services/contracts';
import type { Database } from '../../services/db/database';

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
  owner: ChatOrigin;
  accountId: string | null;
  createdAt: Date;
}

export class UploadError extends Error {
  constructor(
    readonly code: 'unsupported_type' | 'too_large' | 'empty' | 'content_mismatch' | 'quota_exceeded',
  ) {
    super(code);
    this.name = 'UploadError';
  }
}

const ID_PATTERN = /^[a-f0-9]{32}$/;
const DAY_MS = 24 * 3600 * 1000;

/** A file name safe to show and to put in Content-Disposition: no path, no control characters, bounded. */
export function cleanFileName(name: string | undefined, ext: string): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .toWellFormed()
    .replace(/[\p{Cc}"<>\uFFFD]/gu, '')
    .trim()
    .slice(0, 100);
  return cleaned || `file.${ext}`;
}

interface UploadRow {
  id: string;
  channel: ChatOrigin['channel'];
  chat_user_id: string;
  account_id: string | null;
  name: string;
  content_type: string;
  size: number;
  created_at: Date;
}

const toFile = (row: UploadRow): StoredFile => ({
  id: row.id,
  name: row.name,
  contentType: row.content_type,
  size: row.size,
  owner: { channel: row.channel, chatUserId: row.chat_user_id },
  accountId: row.account_id,
  createdAt: row.created_at,
});

/**
 * Files sent in the web chat, in the database (table uploads), so every server process can serve
 * them. Ids are 128 random bits: a file's URL (/files/<id>) is shared only through the chat and the
 * ticket it is attached to. The declared type must be allowed and, where it has a signature, match
 * the bytes, so a script cannot be served as an image. Each account may upload `quotaBytesPerDay` in
 * any 24 hours; a file no message carried is purged by the retention job.
 */
export class UploadStore {
  constructor(
    private readonly db: Database,
    private readonly options: { quotaBytesPerDay: number; now?: () => Date },
  ) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  async save(
    data: Buffer,
    input: { name?: string; contentType: string; owner: ChatOrigin; accountId: string },
  ): Promise<StoredFile> {
    const contentType = input.contentType.split(';')[0]!.trim().toLowerCase();
    const type = UPLOAD_TYPES[contentType];
    if (!type) throw new UploadError('unsupported_type');
    if (data.length === 0) throw new UploadError('empty');
    if (data.length > UPLOAD_MAX_BYTES) throw new UploadError('too_large');
    if (type.magic && !type.magic(data)) throw new UploadError('content_mismatch');
    const now = this.now();
    return this.db.transaction(async (tx) => {
      // One upload of an account at a time, so two parallel uploads cannot both fit the last space.
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`upload:${input.accountId}`]);
      const { rows: used } = await tx.query<{ bytes: number }>(
        'select coalesce(sum(size), 0)::bigint as bytes from uploads where account_id = $1 and created_at > $2',
        [input.accountId, new Date(now.getTime() - DAY_MS)],
      );
      if (used[0]!.bytes + data.length > this.options.quotaBytesPerDay)
        throw new UploadError('quota_exceeded');
      const { rows } = await tx.query<UploadRow>(
        `insert into uploads (id, channel, chat_user_id, account_id, name, content_type, size, data, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         returning id, channel, chat_user_id, account_id, name, content_type, size, created_at`,
        [
          randomBytes(16).toString('hex'),
          input.owner.channel,
          input.owner.chatUserId,
          input.accountId,
          cleanFileName(input.name, type.ext),
          contentType,
          data.length,
          data,
          now,
        ],
      );
      return toFile(rows[0]!);
    });
  }

  /** What is known about a file (without its bytes), or undefined. */
  async get(id: string): Promise<StoredFile | undefined> {
    if (!ID_PATTERN.test(id)) return undefined;
    const { rows } = await this.db.query<UploadRow>(
      `select id, channel, chat_user_id, account_id, name, content_type, size, created_at
         from uploads where id = $1`,
      [id],
    );
    return rows[0] && toFile(rows[0]);
  }

  /** A file with its bytes, for download. */
  async read(id: string): Promise<{ file: StoredFile; data: Buffer } | undefined> {
    if (!ID_PATTERN.test(id)) return undefined;
    const { rows } = await this.db.query<UploadRow & { data: Uint8Array }>(
      `select id, channel, chat_user_id, account_id, name, content_type, size, created_at, data
         from uploads where id = $1`,
      [id],
    );
    const row = rows[0];
    return row && { file: toFile(row), data: Buffer.from(row.data) };
  }

  /** A message carried these files: they are part of the conversation now and are kept. */
  async markAttached(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      'update uploads set attached_at = $2 where id = any($1::text[]) and attached_at is null',
      [ids, this.now()],
    );
  }
}
