import { DomainError } from '../errors';
import { isStorableText } from '../text';

/**
 * One data layer over PostgreSQL: plain SQL with numbered parameters, run by either driver.
 * PGlite (in-process) and a Postgres server return the same JavaScript types:
 * int8 and numeric as number, timestamptz as Date, jsonb as parsed values.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations, test set-up). */
  exec(script: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly driver: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` for each NOTIFY on `channel` (delivered when the notifying transaction commits).
   * Resolves, once listening, with the function that stops. On a server a lost connection is
   * re-established in the background and `onNotify` is called once when it is back (notifications
   * sent meanwhile are lost), so a listener keeps a slower poll as its safety net.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** LISTEN takes an identifier, not a parameter: only plain lowercase names are accepted. */
export function checkChannelName(channel: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid notification channel: ${channel}`);
  return channel;
}

/** Returns the only row, or undefined. */
export async function one<R>(
  db: Queryable,
  text: string,
  params?: readonly unknown[],
): Promise<R | undefined> {
  const { rows } = await db.query<R>(text, params);
  return rows[0];
}

/** A Postgres unique-violation (23505), by either driver. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; message?: string } | null;
  if (e?.code !== '23505') return false;
  return constraint === undefined || e.constraint === constraint || (e.message ?? '').includes(constraint);
}

/**
 * The backstop of text hygiene (services/text.ts): a parameter PostgreSQL cannot store exactly (NUL, a
 * lone surrogate) is refused as invalid input before it reaches the database, wherever it came from,
 * so it is answered as a client mistake (400, a re-prompt) and never as a database failure (500).
 * The boundaries refuse such text earlier with a clearer answer; this catches what they miss.
 */
export function checkParams(params: readonly unknown[] | undefined): void {
  if (!params) return;
  for (const param of params) {
    const values = Array.isArray(param) ? param : [param];
    for (const value of values) {
      if (typeof value === 'string' && !isStorableText(value)) {
        throw new DomainError('invalid_input', 'invalid_characters', 'text with NUL or unpaired surrogates');
      }
    }
  }
}
