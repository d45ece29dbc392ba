import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUniqueViolation } from '../../services/db/database';
import { migrate } from '../../services/db/migrate';
import { migrations } from '../../services/db/migrations';
import { openDatabase } from '../../services/db/open';
import { enqueue } from '../../services/events';
import { createTestDatabase, drivers } from '../support/db';

const TABLES = [
  'organizations',
  'accounts',
  'identities',
  'staff',
  'staff_tokens',
  'chat_bindings',
  'tickets',
  'ticket_shares',
  'ticket_events',
  'ticket_attachments',
  'ticket_ratings',
  'verification_codes',
  'web_tokens',
  'outbox',
  'deliveries',
  'idempotency_keys',
  'bot_state',
];

async function schemaFingerprint(db: Awaited<ReturnType<typeof createTestDatabase>>['db']) {
  const { rows } = await db.query<{ t: string; c: string; ty: string }>(
    `select table_name as t, column_name as c, data_type as ty from information_schema.columns
     where table_schema = 'public' order by table_name, ordinal_position`,
  );
  const indexes = await db.query<{ i: string }>(
    `select indexname as i from pg_indexes where schemaname = 'public' order by 1`,
  );
  return JSON.stringify({ columns: rows, indexes: indexes.rows });
}

describe.each(drivers)('data layer [%s]', (driver) => {
  it('creates the schema the product needs, and a second migrate changes nothing', async () => {
    const test = await createTestDatabase(driver, { migrate: false });
    try {
      const first = await migrate(test.db);
      expect(first).toEqual(migrations.map((m) => m.version));
      const { rows } = await test.db.query<{ table_name: string }>(
        `select table_name from information_schema.tables where table_schema = 'public'`,
      );
      expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(TABLES));
      const before = await schemaFingerprint(test.db);
      expect(await migrate(test.db)).toEqual([]);
      expect(await schemaFingerprint(test.db)).toBe(before);
      const applied = await test.db.query<{ n: number }>('select count(*) as n from schema_migrations');
      expect(applied.rows[0]!.n).toBe(migrations.length);
    } finally {
      await test.drop();
    }
  });

  it('returns the same JavaScript types on both drivers', async () => {
    const test = await createTestDatabase(driver);
    try {
      const { rows } = await test.db.query<Record<string, unknown>>(
        `select 42::int8 as big, 7::int as small, 1.5::numeric as num, now() as at, $1::jsonb as doc,
                'x'::text as txt, true as flag, null::text as nothing, gen_random_uuid() as id`,
        [JSON.stringify({ a: [1, 'b'] })],
      );
      const row = rows[0]!;
      expect(row.big).toBe(42);
      expect(row.small).toBe(7);
      expect(row.num).toBe(1.5);
      expect(row.at).toBeInstanceOf(Date);
      expect(row.doc).toEqual({ a: [1, 'b'] });
      expect(row.flag).toBe(true);
      expect(row.nothing).toBeNull();
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await test.drop();
    }
  });

  it('commits a transaction that succeeds and rolls back one that throws', async () => {
    const test = await createTestDatabase(driver);
    try {
      await test.db.transaction(async (tx) => {
        await tx.query(`insert into organizations (name) values ('kept')`);
      });
      await expect(
        test.db.transaction(async (tx) => {
          await tx.query(`insert into organizations (name) values ('dropped')`);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const { rows } = await test.db.query<{ name: string }>('select name from organizations');
      expect(rows.map((r) => r.name)).toEqual(['kept']);
      const { rowCount } = await test.db.query(`update organizations set name = 'k' where name = 'kept'`);
      expect(rowCount).toBe(1);
    } finally {
      await test.drop();
    }
  });

  it('announces committed outbox rows on channel "outbox" (one NOTIFY per insert), none for a rollback', async () => {
    const test = await createTestDatabase(driver);
    try {
      let heard = 0;
      const stop = await test.db.listen('outbox', () => heard++);
      await test.db.transaction(async (tx) => {
        await enqueue(tx, {
          topic: 'staff.ticket_waiting',
          ticketId: '00000000-0000-4000-8000-000000000001',
        });
      });
      await waitFor(() => heard === 1, 'the NOTIFY of a committed row');
      await test.db
        .transaction(async (tx) => {
          await enqueue(tx, {
            topic: 'staff.ticket_waiting',
            ticketId: '00000000-0000-4000-8000-000000000002',
          });
          throw new Error('rolled back');
        })
        .catch(() => undefined);
      // A marker after the rollback: once it is heard, the rolled-back insert would have been heard too.
      await test.db.query(`select pg_notify('outbox', 'marker')`);
      await waitFor(() => heard === 2, 'the marker');
      await stop();
      await test.db.query(`select pg_notify('outbox', 'after stop')`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard).toBe(2);
      await expect(test.db.listen('outbox; drop table outbox', () => undefined)).rejects.toThrow(
        /invalid notification channel/,
      );
    } finally {
      await test.drop();
    }
  });

  it('recognizes a unique violation by either driver', async () => {
    const test = await createTestDatabase(driver);
    try {
      await test.db.query(`insert into ticket_number_counters (day, last) values ('d', 1)`);
      const error = await test.db
        .query(`insert into ticket_number_counters (day, last) values ('d', 2)`)
        .catch((e) => e);
      expect(isUniqueViolation(error)).toBe(true);
      expect(isUniqueViolation(new Error('other'))).toBe(false);
    } finally {
      await test.drop();
    }
  });
});

describe('embedded database on disk', () => {
  it('keeps data across restarts on the same DATA_DIR and migrates only once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'helpdesk-data-'));
    try {
      const first = await openDatabase({ dataDir });
      await first.query(`insert into organizations (name) values ('Acme')`);
      await first.close();
      const second = await openDatabase({ dataDir });
      const { rows } = await second.query<{ name: string }>('select name from organizations');
      expect(rows.map((r) => r.name)).toEqual(['Acme']);
      const applied = await second.query<{ n: number }>('select count(*)::int as n from schema_migrations');
      expect(applied.rows[0]!.n).toBe(migrations.length);
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

if (process.env.TEST_DATABASE_URL) {
  describe('Postgres server', () => {
    it('listens again after its connection is cut, and says so once so nothing waits for the poll', async () => {
      const test = await createTestDatabase('postgres');
      try {
        let heard = 0;
        await test.db.listen('outbox', () => heard++);
        const { rows } = await test.db.query<{ n: number }>(
          `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
            where datname = current_database() and query ilike 'listen outbox%'`,
        );
        expect(rows[0]!.n).toBe(1);
        await waitFor(() => heard === 1, 'the catch-up call after reconnecting', 10_000);
        await test.db.query(`select pg_notify('outbox', '')`);
        await waitFor(() => heard === 2, 'a NOTIFY on the new connection');
      } finally {
        await test.drop();
      }
    });

    it('lets two processes migrate the same database at once without error', async () => {
      const test = await createTestDatabase('postgres', { migrate: false });
      try {
        const results = await Promise.all([migrate(test.db), migrate(test.db), migrate(test.db)]);
        expect(results.flat().sort()).toEqual(migrations.map((m) => m.version));
      } finally {
        await test.drop();
      }
    });
  });
}

async function waitFor(probe: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
