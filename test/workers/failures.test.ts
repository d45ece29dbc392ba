import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { createJobsReadiness, JobsInspector } from '../../workers';
import { SWEEP_QUEUE } from '../../workers/queues';
import { type FakeSmtp, startFakeSmtp } from '../fakes/smtp';
import {
  count,
  createHarness,
  customerWith,
  eventually,
  fileTicket,
  type Harness,
  inboxCount,
  REDIS_URL,
  staffMember,
} from './harness';

/** A provider that keeps failing: retries with growing back-off, then a failed job with its reason; the rest flows. */
describe('failing sender', () => {
  let h: Harness;
  let smtp: FakeSmtp;
  let inspector: JobsInspector;

  beforeAll(async () => {
    smtp = await startFakeSmtp();
    h = await createHarness({ env: { SMTP_URL: smtp.url, JOB_ATTEMPTS: '4', JOB_BACKOFF_MS: '200' } });
    await h.start();
    inspector = new JobsInspector(h.ctx.config);
  });

  afterAll(async () => {
    await inspector.close();
    await h.stop();
    await smtp.close();
  });

  test('4 attempts with exponential back-off, then listed as failed with the reason; web chat unaffected', async () => {
    smtp.failNext(1000, 451);
    const mailCustomer = await customerWith(h, { reply: 'email', email: 'down@example.com' });
    const chatCustomer = await customerWith(h, { reply: 'chat' });
    const staff = await staffMember(h);
    const mailTicket = await fileTicket(h, mailCustomer);
    const chatTicket = await fileTicket(h, chatCustomer);
    await h.ctx.services.staffTickets.accept(staff, mailTicket.id);
    await h.ctx.services.staffTickets.accept(staff, chatTicket.id);

    // Everything else keeps going while the email provider is down.
    await eventually(
      async () => (await inboxCount(h, chatCustomer.chat.chatUserId)) === 1,
      'the web chat delivery',
    );
    await eventually(async () => (await inspector.failedCounts()).total === 1, 'the failed job', 30_000);
    expect(smtp.refusals).toHaveLength(4);
    const gaps = smtp.refusals.slice(1).map((t, i) => t - smtp.refusals[i]!);
    // Each retry waited its back-off: 200, 400, 800 ms less 20% jitter at most. Only lower bounds: on a
    // loaded machine any gap may be longer (test/workers/queues.test.ts checks the growth itself).
    expect(gaps[0]).toBeGreaterThanOrEqual(150);
    expect(gaps[1]).toBeGreaterThanOrEqual(300);
    expect(gaps[2]).toBeGreaterThanOrEqual(600);

    const [failed] = await inspector.failedJobs();
    expect(failed).toMatchObject({ queue: 'notify-customer', attemptsMade: 4, name: 'ticket.changed' });
    expect(failed!.failedReason).toContain('fake SMTP failure');
    expect(failed!.key).toMatch(/\|account:.*\|email$/);

    const readiness = createJobsReadiness(h.ctx.config);
    await expect(readiness.check()).resolves.toEqual({
      failedJobs: 1,
      failedByQueue: { 'notify-customer': 1 },
    });
    await readiness.close();

    // Nothing was recorded as delivered for the failed email, so a manual retry would still send it.
    expect(await count(h.db, "select count(*)::int as n from deliveries where key like '%|email'")).toBe(0);
  }, 60_000);

  test('a permanent refusal (550) fails at once, without retries', async () => {
    smtp.failNext(1, 550);
    const before = smtp.refusals.length;
    const customer = await customerWith(h, { reply: 'email', email: 'nobody@example.com' });
    const ticket = await fileTicket(h, customer);
    await h.ctx.services.staffTickets.accept(await staffMember(h), ticket.id);
    await eventually(async () => (await inspector.failedCounts()).total === 2, 'the second failed job');
    expect(smtp.refusals.length - before).toBe(1);
    const reasons = (await inspector.failedJobs()).map((j) => j.failedReason);
    expect(reasons).toContain('SMTP refused the message (550)');
  });
});

describe('scheduled sweeps', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness();
    await h.start();
  });

  afterAll(async () => {
    await h.stop();
  });

  test('the four job schedulers exist once, however many workers start', async () => {
    const second = await h.start({ relay: false });
    const connection = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(SWEEP_QUEUE, { connection, prefix: h.prefix });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => s.key).sort()).toEqual([
        'auto-close',
        'queue-milestones',
        'rating-reminders',
        'retention',
      ]);
      // The purge runs daily at a fixed hour, not at every start.
      expect(schedulers.find((s) => s.key === 'retention')).toMatchObject({
        pattern: '30 3 * * *',
        tz: 'Asia/Shanghai',
      });
    } finally {
      await queue.close();
      connection.disconnect();
      await second.stop();
    }
  });

  test('retention: a tick deletes transient rows past their window and keeps the rest', async () => {
    await h.db.query(
      `insert into inbound_seen (key, created_at) values ('retention-old', now() - interval '3 days'),
         ('retention-new', now() - interval '1 hour')`,
    );
    const connection = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(SWEEP_QUEUE, { connection, prefix: h.prefix });
    try {
      const job = await queue.add('retention', {});
      await eventually(async () => (await job.getState()) === 'completed', 'the retention tick');
      const done = await queue.getJob(job.id!);
      expect(done?.returnvalue).toMatchObject({ sweep: 'retention', count: expect.any(Number) });
      expect(done!.returnvalue.count).toBeGreaterThanOrEqual(1);
    } finally {
      await queue.close();
      connection.disconnect();
    }
    const { rows } = await h.db.query<{ key: string }>(
      `select key from inbound_seen where key like 'retention-%' order by key`,
    );
    expect(rows.map((r) => r.key)).toEqual(['retention-new']);
  });

  test('auto-close: a resolved ticket past the rating window closes and the customer hears it', async () => {
    const customer = await customerWith(h, { reply: 'chat', locale: 'en-US' });
    const ticket = await fileTicket(h, customer);
    const staff = await staffMember(h);
    await h.ctx.services.staffTickets.accept(staff, ticket.id);
    await h.ctx.services.staffTickets.resolve(staff, ticket.id, 'Done.');
    await h.db.query(`update tickets set resolved_at = now() - interval '8 days' where id = $1`, [ticket.id]);
    // Run the tick now instead of waiting for the scheduler.
    const connection = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(SWEEP_QUEUE, { connection, prefix: h.prefix });
    await queue.add('auto-close', {});
    await queue.close();
    connection.disconnect();
    await eventually(async () => {
      const { rows } = await h.db.query<{ text: string }>(
        `select activity->>'text' as text from web_chat_inbox where chat_user_id = $1 order by id`,
        [customer.chat.chatUserId],
      );
      return rows.some((r) => r.text.includes(`Ticket ${ticket.number} closed`));
    }, 'the closed notification');
  });
});
