import type { Storage, StoreItems } from 'botbuilder';
import type { Queryable } from '../services/db/database';

/**
 * A write lost the optimistic-concurrency race: the item changed (or appeared, or vanished) since it
 * was read. The caller's copy is stale; nothing was written for that key.
 */
export class StorageEtagConflictError extends Error {
  constructor(readonly key: string) {
    super(`bot state "${key}" was changed by another turn (eTag mismatch)`);
    this.name = 'StorageEtagConflictError';
  }
}

export function isEtagConflict(error: unknown): error is StorageEtagConflictError {
  return error instanceof StorageEtagConflictError;
}

/** The eTag of an item that does not exist: a write carrying it succeeds only if nobody created the item meanwhile. */
export const ETAG_ABSENT = '0';

/**
 * botbuilder `Storage` over the table bot_state (key, doc jsonb, etag bigint), on either driver.
 *
 * eTag semantics (optimistic concurrency):
 * - `read` returns each stored document with `eTag` set to its version (a decimal string, starting at "1").
 * - `write` of an item whose `eTag` is missing or `'*'` writes unconditionally (insert or overwrite) —
 *   this is what botbuilder's BotState sends, see bot/state.ts for how we keep the real eTag instead.
 * - `write` of an item with any other `eTag` succeeds only when the stored version still equals it;
 *   `ETAG_ABSENT` ("0") means "must not exist yet". Otherwise it throws StorageEtagConflictError and
 *   writes nothing for that key. A successful write bumps the version.
 * - `delete` is unconditional; deleting a missing key is not an error.
 * Each key is written in its own statement: a batch is not atomic across keys (neither is botbuilder's
 * contract), but a conflict on one key stops the batch there.
 */
export class DbStorage implements Storage {
  constructor(private readonly db: Queryable) {}

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    if (keys.length === 0) return items;
    const { rows } = await this.db.query<{ key: string; doc: Record<string, unknown>; etag: number }>(
      'select key, doc, etag from bot_state where key = any($1::text[])',
      [keys],
    );
    for (const row of rows) items[row.key] = { ...row.doc, eTag: String(row.etag) };
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await this.writeVersioned(changes);
  }

  /** Like `write`, and returns the new eTag of each written key (so a caller can write again in the same turn). */
  async writeVersioned(changes: StoreItems): Promise<Record<string, string>> {
    const written: Record<string, string> = {};
    for (const [key, item] of Object.entries(changes)) {
      const { eTag, ...doc } = (item ?? {}) as { eTag?: string; [k: string]: unknown };
      const json = JSON.stringify(doc);
      let rows: { etag: number }[];
      if (eTag === undefined || eTag === '*') {
        ({ rows } = await this.db.query<{ etag: number }>(
          `insert into bot_state (key, doc, etag) values ($1, $2::jsonb, 1)
           on conflict (key) do update set doc = excluded.doc, etag = bot_state.etag + 1, updated_at = now()
           returning etag`,
          [key, json],
        ));
      } else if (eTag === ETAG_ABSENT) {
        ({ rows } = await this.db.query<{ etag: number }>(
          `insert into bot_state (key, doc, etag) values ($1, $2::jsonb, 1)
           on conflict (key) do nothing returning etag`,
          [key, json],
        ));
      } else {
        const expected = /^\d{1,18}$/.test(eTag) ? Number(eTag) : -1;
        ({ rows } = await this.db.query<{ etag: number }>(
          `update bot_state set doc = $2::jsonb, etag = etag + 1, updated_at = now()
           where key = $1 and etag = $3 returning etag`,
          [key, json, expected],
        ));
      }
      const row = rows[0];
      if (!row) throw new StorageEtagConflictError(key);
      written[key] = String(row.etag);
    }
    return written;
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.query('delete from bot_state where key = any($1::text[])', [keys]);
  }
}
