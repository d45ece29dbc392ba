import type { Queryable } from '../services/db/database';

/**
 * The idempotency record: one row per delivered (outbox id, recipient, channel). Checked before a
 * send, written right after the sender succeeds.
 */
export async function isDelivered(db: Queryable, key: string): Promise<boolean> {
  const { rows } = await db.query('select 1 from deliveries where key = $1', [key]);
  return rows.length > 0;
}

/** Records a delivery; a second record of the same key is harmless (a concurrent duplicate run). */
export async function recordDelivery(db: Queryable, key: string, at: Date): Promise<void> {
  await db.query('insert into deliveries (key, created_at) values ($1, $2) on conflict (key) do nothing', [
    key,
    at,
  ]);
}

/** The secret of an outbox row (initial password, one-time code), or undefined once erased. */
export async function loadSecret(
  db: Queryable,
  outboxId: number,
): Promise<Record<string, string> | undefined> {
  const { rows } = await db.query<{ secret: Record<string, string> | null }>(
    `select payload->'secret' as secret from outbox where id = $1`,
    [outboxId],
  );
  return rows[0]?.secret ?? undefined;
}

/**
 * Erases the row's secret once every delivery that carries it is recorded (`keys` empty: at once).
 * Until then it must stay: a retry of a pending delivery renders its text from it.
 */
export async function eraseSecretWhenDelivered(
  db: Queryable,
  outboxId: number,
  keys: readonly string[],
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update outbox set payload = payload - 'secret'
      where id = $1 and payload -> 'secret' is not null
        and (select count(*) from deliveries where key = any($2::text[])) = cardinality($2::text[])`,
    [outboxId, keys],
  );
  return rowCount > 0;
}
