/**
 * Notification benchmark (issue 6): how fast ticket changes become deliveries.
 *
 *  1. BullMQ alone: no-op jobs added in bulk and processed (the ceiling our pipeline sits on).
 *  2. Our pipeline: outbox rows (ticket.changed) -> relay -> event queue -> planner (reads the ticket,
 *     account and binding through the services) -> send queue -> idempotency check -> no-op web chat
 *     sender -> deliveries record. Throughput in deliveries per second.
 *  3. Latency from a ticket change (outbox insert committed) to its recorded delivery, one change at a
 *     time at a steady pace, with the workers idle otherwise: median and p99.
 *
 *   npm run bench:notify          (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test;
 *                                  BENCH_DRIVER=pglite for the embedded database; REDIS_URL)
 *   BENCH_EVENTS=5000 BENCH_LATENCY_SAMPLES=300 npm run bench:notify
 *
 * Creates and drops its own database (bench_notify) and Redis prefix. Results: a table on stdout and
 * bench/results/notifications.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import pg from 'pg';
import type { AppContext } from '../app/context';
import { loadConfig } from '../platform/config';
import { createLogger } from '../platform/logger';
import { createRedis } from '../platform/redis';
import { createServices } from '../services';
import type { Database } from '../services/db/database';
import { migrate } from '../services/db/migrate';
import { openPglite } from '../services/db/pglite';
import { openPostgres } from '../services/db/postgres';
import { TEST_SCRYPT } from '../services/passwords';
import { startWorkers } from '../workers';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 5000);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 300);
const TICKETS = 200;
const CONCURRENCY = Number(process.env.WORKER_CONCURRENCY ?? 16);
const DB_NAME = 'bench_notify';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function openBenchDatabase(): Promise<{ db: Database; driver: string; drop(): Promise<void> }> {
  if (process.env.BENCH_DRIVER === 'pglite') {
    const db = await openPglite();
    await migrate(db);
    return { db, driver: 'pglite', drop: () => db.close() };
  }
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  await admin(adminUrl, `drop database if exists ${DB_NAME} with (force)`);
  await admin(adminUrl, `create database ${DB_NAME}`);
  const url = new URL(adminUrl);
  url.pathname = `/${DB_NAME}`;
  const db = await openPostgres(url.toString(), { max: 20 });
  await migrate(db);
  return {
    db,
    driver: 'postgres',
    async drop() {
      await db.close();
      await admin(adminUrl, `drop database if exists ${DB_NAME} with (force)`);
    },
  };
}

/** Customers bound on web chat, each with in-progress tickets reporting to that chat. */
async function seed(db: Database): Promise<string[]> {
  const org = (
    await db.query<{ id: string }>(`insert into organizations (name) values ('Bench') returning id`)
  ).rows[0]!.id;
  const tickets: string[] = [];
  for (let c = 0; c < TICKETS / 10; c++) {
    const account = (
      await db.query<{ id: string }>(
        `insert into accounts (phone, name, password_hash, must_change_password) values ($1, $2, 'x', false) returning id`,
        [`+861380000${String(c).padStart(4, '0')}`, `Customer ${c}`],
      )
    ).rows[0]!.id;
    const identity = (
      await db.query<{ id: string }>(
        `insert into identities (account_id, organization_id, display_name) values ($1, $2, 'Contact') returning id`,
        [account, org],
      )
    ).rows[0]!.id;
    const chatUserId = `web-bench-${c}`;
    await db.query(
      `insert into chat_bindings (channel, chat_user_id, account_id, active_identity_id, bound_at) values ('web', $1, $2, $3, now())`,
      [chatUserId, account, identity],
    );
    for (let t = 0; t < 10; t++) {
      const n = c * 10 + t;
      const { rows } = await db.query<{ id: string }>(
        `insert into tickets (number, account_id, identity_id, organization_id, title, description, category, priority,
                              queue_rank, queue, reply_channel, status, submitted_at, accepted_at)
         values ($1, $2, $3, $4, $5, 'bench', 'technical', 'normal', 2, 'technical', $6::jsonb, 'in_progress', now(), now())
         returning id`,
        [
          `B${String(n).padStart(6, '0')}`,
          account,
          identity,
          org,
          `Bench ticket ${n}`,
          JSON.stringify({ kind: 'chat', channel: 'web', chatUserId }),
        ],
      );
      tickets.push(rows[0]!.id);
    }
  }
  return tickets;
}

async function insertChanges(db: Database, tickets: string[], n: number): Promise<void> {
  // Set-based, like many transactions each writing one event: the relay sees n pending rows. Each event
  // has a lane of its own (as events of n different tickets would): the lane check runs, nobody waits.
  await db.query(
    `insert into outbox (topic, payload, lane)
     select 'ticket.changed', jsonb_build_object('ticketId', ($1::uuid[])[1 + (g % cardinality($1::uuid[]))], 'eventId', g, 'change', 'replied'),
            'bench:' || g
       from generate_series(1, $2::int) g`,
    [tickets, n],
  );
}

/** BullMQ on its own: n no-op jobs, added in bulk, processed by one worker at the same concurrency. */
async function bullmqBaseline(prefix: string, n: number): Promise<number> {
  const connection = createRedis(REDIS_URL);
  const queue = new Queue('bench-noop', { connection, prefix });
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const worker = new Worker(
    'bench-noop',
    async () => {
      done += 1;
      if (done === n) finish();
    },
    { connection, prefix, concurrency: CONCURRENCY, autorun: false },
  );
  for (let i = 0; i < n; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
        name: 'noop',
        data: { i: i + j },
        opts: { jobId: `noop-${i + j}`, removeOnComplete: true },
      })),
    );
  }
  const started = performance.now();
  void worker.run();
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return n / seconds;
}

/** The same database, counting the statements the pipeline sends (round trips per delivery). */
function countingDatabase(db: Database): { db: Database; queries(): number } {
  let n = 0;
  const counted: Database = {
    ...db,
    driver: db.driver,
    query: (text, params) => {
      n += 1;
      return db.query(text, params);
    },
    exec: db.exec.bind(db),
    transaction: (work) =>
      db.transaction((tx) =>
        work({
          ...tx,
          query: (text, params) => {
            n += 1;
            return tx.query(text, params);
          },
        }),
      ),
    close: () => db.close(),
  };
  return { db: counted, queries: () => n };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

async function clearPrefix(prefix: string): Promise<void> {
  const redis = createRedis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

async function main(): Promise<void> {
  const prefix = `bench-${randomBytes(3).toString('hex')}`;
  const { db, driver, drop } = await openBenchDatabase();
  try {
    const config = loadConfig({
      ...process.env,
      NODE_ENV: 'production',
      APP_SECRET: 'bench-secret-bench-secret-bench-secret',
      REDIS_URL,
      REDIS_PREFIX: prefix,
      CHANNELS: 'web',
      SMS_PROVIDER: 'log',
      WORKER_CONCURRENCY: String(CONCURRENCY),
      OUTBOX_BATCH: process.env.OUTBOX_BATCH ?? '500',
    });
    const logger = createLogger('warn');
    const now = () => new Date();
    const counting = countingDatabase(db);
    const services = createServices(counting.db, {
      categories: config.TICKET_CATEGORIES,
      ratingWindowDays: 7,
      ratingReminderHours: 24,
      now,
      scrypt: TEST_SCRYPT,
    });
    const ctx: AppContext = { config, logger, db: counting.db, services, now };
    const tickets = await seed(db);

    const baseline = await bullmqBaseline(prefix, EVENTS);

    // Throughput: n changes already waiting in the outbox when the workers start.
    let delivered = 0;
    let target = EVENTS;
    let allDone!: () => void;
    let done = new Promise<void>((resolve) => {
      allDone = resolve;
    });
    const deliveredAt = new Map<number, number>();
    const workers = await startWorkers(ctx, {
      schedules: false,
      relay: false,
      // The no-op sender: what is measured is our pipeline, not a provider.
      senders: { webChatPush: { deliver: async () => undefined } },
      onDelivered: (data) => {
        deliveredAt.set(data.outboxId, performance.now());
        delivered += 1;
        if (delivered === target) allDone();
      },
    });
    await insertChanges(db, tickets, EVENTS);
    const queriesBefore = counting.queries();
    const started = performance.now();
    await workers.relayNow();
    await done;
    const pipelineSeconds = (performance.now() - started) / 1000;
    const queriesPerDelivery = (counting.queries() - queriesBefore) / EVENTS;
    await workers.stop();

    // Latency: one change at a time, relay polling as in production.
    delivered = 0;
    target = LATENCY_SAMPLES;
    done = new Promise<void>((resolve) => {
      allDone = resolve;
    });
    deliveredAt.clear();
    const latencyWorkers = await startWorkers(ctx, {
      schedules: false,
      senders: { webChatPush: { deliver: async () => undefined } },
      onDelivered: (data) => {
        deliveredAt.set(data.outboxId, performance.now());
        delivered += 1;
        if (delivered === target) allDone();
      },
    });
    const insertedAt = new Map<number, number>();
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const ticketId = tickets[i % tickets.length]!;
      const { rows } = await db.query<{ id: number }>(
        `insert into outbox (topic, payload, lane) values ('ticket.changed', $1::jsonb, $2) returning id`,
        [JSON.stringify({ ticketId, eventId: i, change: 'replied' }), `ticket:${ticketId}`],
      );
      insertedAt.set(rows[0]!.id, performance.now());
      await new Promise((r) => setTimeout(r, 20));
    }
    await done;
    await latencyWorkers.stop();
    const latencies = [...insertedAt].map(([id, at]) => deliveredAt.get(id)! - at).sort((a, b) => a - b);

    const results = {
      date: new Date().toISOString(),
      node: process.version,
      database: driver,
      redis: REDIS_URL.replace(/\/\/[^@]*@/, '//'),
      concurrency: CONCURRENCY,
      outboxPollMs: config.OUTBOX_POLL_MS,
      events: EVENTS,
      latencySamples: LATENCY_SAMPLES,
      measures: {
        bullmqNoopJobsPerSecond: Math.round(baseline),
        pipelineDeliveriesPerSecond: Math.round(EVENTS / pipelineSeconds),
        latencyMedianMs: Math.round(percentile(latencies, 0.5) * 10) / 10,
        latencyP99Ms: Math.round(percentile(latencies, 0.99) * 10) / 10,
        sqlStatementsPerDelivery: Math.round(queriesPerDelivery * 100) / 100,
      },
    };
    const rows: [string, string][] = [
      ['BullMQ alone, no-op jobs/s', String(results.measures.bullmqNoopJobsPerSecond)],
      [
        'Notifications (relay + queues + planner + no-op sender), deliveries/s',
        String(results.measures.pipelineDeliveriesPerSecond),
      ],
      ['Ticket change -> delivery latency, median (ms)', String(results.measures.latencyMedianMs)],
      ['Ticket change -> delivery latency, p99 (ms)', String(results.measures.latencyP99Ms)],
      ['SQL statements per delivery (throughput run)', String(results.measures.sqlStatementsPerDelivery)],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    process.stdout.write(
      `\nNotification benchmark (${driver}, concurrency ${CONCURRENCY}, ${EVENTS} events, ${LATENCY_SAMPLES} latency samples, poll ${config.OUTBOX_POLL_MS} ms)\n`,
    );
    for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v.padStart(8)}\n`);
    const dir = join(process.cwd(), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'notifications.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await clearPrefix(prefix).catch(() => undefined);
    await drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:notify failed: ${(error as Error)?.stack ?? error}\n`);
  process.exitCode = 1;
});
