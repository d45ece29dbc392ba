import { createHash } from 'node:crypto';
import type { Database } from '../../services/db/database';
import { ApiProblem } from './problems';

/**
 * Idempotency-Key for POSTs that create something (table idempotency_keys). The first request
 * with a key reserves it (status 0) before running, so two concurrent retries cannot both create;
 * a success is stored and replayed for the same key and body; a failure frees the key so the
 * client may retry. Keys are scoped per staff member and operation and live for 24 hours.
 */

const KEY = /^[\x21-\x7e]{1,200}$/;
const TTL_MS = 24 * 3600_000;
/** A reservation older than this belongs to a request that died half-way: it may be taken over. */
const STALE_MS = 60_000;

export interface StoredResponse {
  status: number;
  body: unknown;
}

export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !KEY.test(header)) {
    throw new ApiProblem('invalid-request', 'The Idempotency-Key header is not valid.', {
      errors: [{ in: 'header', field: 'Idempotency-Key', message: '1 to 200 visible ASCII characters' }],
    });
  }
  return header;
}

/** The same request, whatever the key order of its JSON. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export async function withIdempotency(
  db: Database,
  input: { scope: string; key: string; hash: string; now: Date },
  run: () => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  const { scope, key, hash, now } = input;
  const reserved = await db.query(
    `insert into idempotency_keys (scope, key, request_hash, status, body, created_at)
     values ($1, $2, $3, 0, 'null'::jsonb, $4)
     on conflict (scope, key) do update
       set request_hash = excluded.request_hash, status = 0, body = 'null'::jsonb, created_at = excluded.created_at
       where idempotency_keys.created_at < $5 or (idempotency_keys.status = 0 and idempotency_keys.created_at < $6)
     returning key`,
    [scope, key, hash, now, new Date(now.getTime() - TTL_MS), new Date(now.getTime() - STALE_MS)],
  );
  if (reserved.rowCount === 0) {
    const { rows } = await db.query<{ request_hash: string; status: number; body: unknown }>(
      'select request_hash, status, body from idempotency_keys where scope = $1 and key = $2',
      [scope, key],
    );
    const row = rows[0];
    if (row && row.request_hash !== hash) {
      throw new ApiProblem(
        'idempotency-key-mismatch',
        'This Idempotency-Key was used for a different request; use a new key for a new request.',
      );
    }
    if (!row || row.status === 0) {
      throw new ApiProblem(
        'idempotency-key-in-use',
        'A request with this Idempotency-Key is still running.',
        {
          retryAfterSeconds: 1,
        },
      );
    }
    return { status: row.status, body: row.body, replayed: true };
  }
  let response: StoredResponse;
  try {
    response = await run();
  } catch (error) {
    await release(db, scope, key);
    throw error;
  }
  if (response.status >= 200 && response.status < 300) {
    await db.query(
      'update idempotency_keys set status = $3, body = $4::jsonb where scope = $1 and key = $2',
      [scope, key, response.status, JSON.stringify(response.body ?? null)],
    );
  } else {
    await release(db, scope, key);
  }
  return { ...response, replayed: false };
}

async function release(db: Database, scope: string, key: string): Promise<void> {
  await db.query('delete from idempotency_keys where scope = $1 and key = $2 and status = 0', [scope, key]);
}
