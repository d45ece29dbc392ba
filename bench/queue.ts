/**
 * Queue and list benchmark (issue 3, F6/F8): fills 1,000,000 tickets (100,000 waiting across 20
 * queues) on a Postgres server with set-based SQL, then times the service calls a customer makes
 * most: TicketService.queuePosition and one ticket-list page (scope "mine" and "all").
 *
 *   npm run bench:queue                      (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
 *   BENCH_SAMPLES=500 npm run bench:queue
 *
 * It creates and drops its own database, bench_queue. Results: a table on stdout and
 * bench/results/queue.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { CustomerActor } from '../services/contracts';
import type { Database } from '../services/db/database';
import { migrate } from '../services/db/migrate';
import { openPostgres } from '../services/db/postgres';
import { DbTicketService } from '../services/tickets';

const TICKETS = 1_000_000;
const WAITING = 100_000;
const QUEUES = 20;
const ORGANIZATIONS = 200;
const IDENTITIES = 20_000;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 2000);
const DB_NAME = 'bench_queue';

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Indexes rebuilt once after the bulk insert: far faster than maintaining them row by row. */
const SECONDARY_INDEXES = [
  'tickets_waiting_queue',
  'tickets_by_identity',
  'tickets_by_identity_status',
  'tickets_by_organization',
  'tickets_by_organization_status',
  'tickets_resolved',
];

async function fill(db: Database): Promise<void> {
  const { rows } = await db.query<{ def: string; name: string }>(
    `select indexname as name, indexdef as def from pg_indexes where tablename = 'tickets' and indexname = any($1)`,
    [SECONDARY_INDEXES],
  );
  await db.transaction(async (tx) => {
    // Bulk load: no FK triggers per row (all references are generated consistently below).
    await tx.exec(`set local session_replication_role = replica; set local synchronous_commit = off;`);
    for (const r of rows) await tx.exec(`drop index ${r.name}`);
    await tx.exec(`
      create temporary table bench_orgs on commit drop as
        select n, gen_random_uuid() as id from generate_series(0, ${ORGANIZATIONS - 1}) n;
      insert into organizations (id, name) select id, 'Bench org ' || n from bench_orgs;
      create temporary table bench_ids on commit drop as
        select n, gen_random_uuid() as account_id, gen_random_uuid() as identity_id,
               (select id from bench_orgs o where o.n = g.n % ${ORGANIZATIONS}) as organization_id,
               -- one identity in a hundred sees its whole organization
               (n % 100 = 0) as org_wide
          from generate_series(0, ${IDENTITIES - 1}) g(n);
      insert into accounts (id, phone, name, password_hash, must_change_password)
        select account_id, '+8613' || lpad(n::text, 9, '0'), 'Bench ' || n, 'x', false from bench_ids;
      insert into identities (id, account_id, organization_id, display_name, org_wide)
        select identity_id, account_id, organization_id, 'Bench contact ' || n, org_wide from bench_ids;
      insert into tickets (number, account_id, identity_id, organization_id, title, description, category, priority,
                           queue_rank, queue, status, submitted_at, created_at, updated_at)
        select case when s.status = 'draft' then null else 'B' || lpad(g.i::text, 7, '0') end,
               b.account_id, b.identity_id, b.organization_id, 'Bench ticket ' || g.i, '', g.queue,
               (array['urgent', 'high', 'normal', 'low'])[g.rank + 1], g.rank, g.queue,
               s.status,
               case when s.status = 'draft' then null else g.at end, g.at, g.at
          -- status follows i % 10, so queue and priority follow i / 10 and i / 200 to spread the
          -- waiting tickets over every queue and priority
          from (select i, timestamptz '2025-01-01' + make_interval(secs => i * 17) as at,
                       'q' || ((i / 10) % ${QUEUES}) as queue, (i / 200) % 4 as rank
                  from generate_series(1, ${TICKETS}) i) g
          join bench_ids b on b.n = g.i % ${IDENTITIES}
          cross join lateral (select case
                 when g.i % 10 = 0 then 'waiting'
                 when g.i % 10 = 1 then 'in_progress'
                 when g.i % 10 = 2 then 'resolved'
                 when g.i % 10 = 3 then 'cancelled'
                 when g.i % 10 = 4 then 'draft'
                 else 'closed' end as status) s;
    `);
  });
  await db.exec(`set maintenance_work_mem = '256MB'`);
  for (const r of rows) await db.exec(r.def);
  await db.exec('analyze');
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { samples: sorted.length, medianMs: round(at(0.5)), p99Ms: round(at(0.99)), maxMs: round(at(1)) };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

async function time(samples: number, work: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(50, samples); i++) await work(i); // warm-up: connections, plans, cache
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await work(i);
    out.push(performance.now() - start);
  }
  return out;
}

async function main(): Promise<void> {
  const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const url = new URL(base);
  url.pathname = `/${DB_NAME}`;
  await admin(base, `drop database if exists ${DB_NAME} with (force)`);
  await admin(base, `create database ${DB_NAME}`);
  const db = await openPostgres(url.toString(), { max: 4 });
  try {
    await migrate(db);
    const t0 = performance.now();
    await fill(db);
    const fillSeconds = Math.round((performance.now() - t0) / 100) / 10;
    const counts = await db.query<{ total: number; waiting: number; queues: number }>(
      `select count(*) as total, count(*) filter (where status = 'waiting') as waiting,
              count(distinct queue) filter (where status = 'waiting') as queues from tickets`,
    );
    console.log(`filled in ${fillSeconds}s:`, counts.rows[0]);
    if (counts.rows[0]?.waiting !== WAITING || counts.rows[0]?.total !== TICKETS)
      throw new Error('fill is off');

    const tickets = new DbTicketService(db, {
      categories: Array.from({ length: QUEUES }, (_, i) => `q${i}`),
    });
    const waiting = (
      await db.query<{ id: string; account_id: string; identity_id: string }>(
        `select id, account_id, identity_id from tickets where status = 'waiting' order by random() limit $1`,
        [SAMPLES],
      )
    ).rows;
    const actorOf = (r: { account_id: string; identity_id: string }): CustomerActor => ({
      accountId: r.account_id,
      identityId: r.identity_id,
    });
    const identities = (
      await db.query<{ account_id: string; identity_id: string; org_wide: boolean }>(
        `select account_id, id as identity_id, org_wide from identities order by random() limit $1`,
        [SAMPLES],
      )
    ).rows;
    const orgWide = (
      await db.query<{ account_id: string; identity_id: string }>(
        `select account_id, id as identity_id from identities where org_wide`,
      )
    ).rows;

    const positionQuery = await time(waiting.length, (i) =>
      db.query(
        `select (select count(*) from tickets w where w.status = 'waiting' and w.queue = t.queue
                   and (w.queue_rank, w.submitted_at, w.id) < (t.queue_rank, t.submitted_at, t.id)) + 1,
                (select count(*) from tickets w where w.status = 'waiting' and w.queue = t.queue)
           from tickets t where t.id = $1`,
        [waiting[i]!.id],
      ),
    );
    const position = await time(waiting.length, (i) =>
      tickets.queuePosition(actorOf(waiting[i]!), waiting[i]!.id),
    );
    const mine = await time(identities.length, (i) =>
      tickets.list(actorOf(identities[i]!), { scope: 'mine' }),
    );
    const allOwn = await time(identities.length, (i) =>
      tickets.list(actorOf(identities[i]!), { scope: 'all' }),
    );
    const allOrg = await time(identities.length, (i) =>
      tickets.list(actorOf(orgWide[i % orgWide.length]!), { scope: 'all' }),
    );
    const filtered = await time(identities.length, (i) =>
      tickets.list(actorOf(orgWide[i % orgWide.length]!), { scope: 'all', status: 'waiting' }),
    );

    const results = {
      when: new Date().toISOString(),
      database: 'postgres',
      data: { ...counts.rows[0], organizations: ORGANIZATIONS, identities: IDENTITIES, fillSeconds },
      measures: {
        'queue position: SQL statement alone': stats(positionQuery),
        'queue position: TicketService.queuePosition': stats(position),
        'list page (5), scope mine': stats(mine),
        'list page (5), scope all, own + shared': stats(allOwn),
        'list page (5), scope all, organization-wide (~5,000 tickets)': stats(allOrg),
        'list page (5), scope all, organization-wide, status waiting': stats(filtered),
      },
    };
    console.log('');
    console.log(`${'measure'.padEnd(64)} ${'median ms'.padStart(10)} ${'p99 ms'.padStart(10)}`);
    for (const [name, s] of Object.entries(results.measures)) {
      console.log(`${name.padEnd(64)} ${String(s.medianMs).padStart(10)} ${String(s.p99Ms).padStart(10)}`);
    }
    const dir = join(process.cwd(), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'queue.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nwritten: ${join(dir, 'queue.json')}`);
  } finally {
    await db.close();
    await admin(base, `drop database if exists ${DB_NAME} with (force)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
