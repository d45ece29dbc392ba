import type { Database } from './database';
import { migrations } from './migrations';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Applies the migrations the database has not seen, each in its own transaction, in order.
 * On a Postgres server an advisory lock keeps two starting processes from racing.
 * Returns the versions applied now (empty when the schema was already current).
 */
export async function migrate(db: Database, all: readonly Migration[] = migrations): Promise<number[]> {
  await db.transaction(async (tx) => {
    if (db.driver === 'postgres') await tx.query('select pg_advisory_xact_lock(727001)');
    await tx.exec(`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`);
  });
  const applied: number[] = [];
  for (const migration of [...all].sort((a, b) => a.version - b.version)) {
    const done = await db.transaction(async (tx) => {
      if (db.driver === 'postgres') await tx.query('select pg_advisory_xact_lock(727001)');
      const { rows } = await tx.query('select 1 from schema_migrations where version = $1', [
        migration.version,
      ]);
      if (rows.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}
