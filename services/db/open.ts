import { join } from 'node:path';
import type { Database } from './database';
import { migrate } from './migrate';
import { openPglite } from './pglite';
import { openPostgres } from './postgres';

export interface DatabaseSettings {
  /** A Postgres server; when absent, the embedded PGlite. */
  url?: string;
  /** Where PGlite keeps its files. */
  dataDir: string;
  /** Connections to a Postgres server (default 10). */
  poolSize?: number;
}

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(settings: DatabaseSettings): Promise<Database> {
  const db = settings.url
    ? await openPostgres(settings.url, { max: settings.poolSize })
    : await openPglite(join(settings.dataDir, 'pglite'));
  try {
    await migrate(db);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return db;
}
