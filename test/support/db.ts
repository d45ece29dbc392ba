import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../services/db/database';
import { migrate } from '../../services/db/migrate';
import { openPglite } from '../../services/db/pglite';
import { openPostgres } from '../../services/db/postgres';

export type Driver = 'pglite' | 'postgres';

/** The drivers the data-layer tests run on: PGlite always, the Postgres server when TEST_DATABASE_URL is set. */
export const drivers: Driver[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  db: Database;
  /** For the Postgres driver, the URL of this test's own database (to start an app on it). */
  url?: string;
  drop(): Promise<void>;
}

/**
 * A new, empty, migrated database: an in-memory PGlite, or a fresh database on the Postgres server
 * (so test files running in parallel never see each other's rows).
 */
export async function createTestDatabase(
  driver: Driver,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  let db: Database;
  let url: string | undefined;
  let dropDatabase = async (): Promise<void> => {};
  if (driver === 'pglite') {
    db = await openPglite();
  } else {
    const admin = process.env.TEST_DATABASE_URL;
    if (!admin) throw new Error('TEST_DATABASE_URL is not set');
    const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    await withAdmin(admin, (c) => c.query(`create database ${name}`));
    const u = new URL(admin);
    u.pathname = `/${name}`;
    url = u.toString();
    db = await openPostgres(url, { max: 20 });
    dropDatabase = () => withAdmin(admin, (c) => c.query(`drop database if exists ${name} with (force)`));
  }
  if (options.migrate !== false) await migrate(db);
  return {
    db,
    url,
    async drop() {
      await db.close().catch(() => undefined);
      await dropDatabase();
    },
  };
}

async function withAdmin(url: string, work: (c: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/** Runs a describe block once per driver, with a fresh migrated database for the block. */
export function describeEachDriver(
  title: string,
  body: (ctx: { readonly db: Database; driver: Driver }) => void,
) {
  for (const driver of drivers) {
    describe(`${title} [${driver}]`, () => {
      let test: TestDatabase | undefined;
      const ctx = {
        driver,
        get db(): Database {
          if (!test) throw new Error('database not ready');
          return test.db;
        },
      };
      beforeAll(async () => {
        test = await createTestDatabase(driver);
      });
      afterAll(async () => {
        await test?.drop();
      });
      body(ctx);
    });
  }
}
