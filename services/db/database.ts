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
  close(): Promise<void>;
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
