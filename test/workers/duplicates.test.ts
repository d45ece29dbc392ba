import type { Activity } from 'botbuilder';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { createLogger } from '../../platform/logger';
import { enqueue } from '../../services/events';
import { OutboxRelay } from '../../workers/outbox-relay';
import { ALL_QUEUES, EVENT_QUEUES, type EventQueue } from '../../workers/queues';
import { type FakeSmtp, startFakeSmtp } from '../fakes/smtp';
import { createTestDatabase, drivers } from '../support/db';
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

/** "Never sent twice": a relay retry, a re-run event and a crash mid-send each give one delivery. */
describe.each(drivers)('exactly once [%s]', (driver) => {
  let h: Harness;
  let smtp: FakeSmtp;

  beforeAll(async () => {
    smtp = await startFakeSmtp();
    h = await createHarness({ driver, env: { SMTP_URL: smtp.url } });
  });

  afterAll(async () => {
    await h.stop();
    await smtp.close();
  });

  const inbox = (chatUserId: string) => inboxCount(h, chatUserId);

  test('the same outbox row relayed twice (even after its jobs are gone) is delivered once', async () => {
    const workers = await h.start();
    const customer = await customerWith(h, { reply: 'chat' });
    const ticket = await fileTicket(h, customer);
    await h.ctx.services.staffTickets.accept(await staffMember(h), ticket.id);
    await eventually(async () => (await inbox(customer.chat.chatUserId)) === 1, 'the first delivery');

    const { rows } = await h.db.query<{ id: number }>(
      `select id from outbox where topic = 'ticket.changed' and payload->>'ticketId' = $1`,
      [ticket.id],
    );
    const outboxId = rows[0]!.id;
    // A relay that crashed before marking the row (and a job that had not marked it processed): it goes
    // out again, with the same job id (a no-op) ...
    await h.db.query('update outbox set dispatched_at = null, processed_at = null where id = $1', [outboxId]);
    await workers.relayNow();
    // ... and once more after every finished job was removed from Redis: the event is planned again and
    // its delivery runs again, and the deliveries table stops it.
    await cleanCompleted(h.prefix);
    await h.db.query('update outbox set dispatched_at = null, processed_at = null where id = $1', [outboxId]);
    await workers.relayNow();
    await eventually(
      async () =>
        (await count(h.db, 'select count(*)::int as n from outbox where dispatched_at is null')) === 0,
      'relayed',
    );
    await new Promise((r) => setTimeout(r, 800));
    expect(await inbox(customer.chat.chatUserId)).toBe(1);
    expect(
      await count(h.db, 'select count(*)::int as n from deliveries where key like $1', [`o${outboxId}|%`]),
    ).toBe(1);
    await workers.stop();
  });

  test('a worker that dies mid-send: another takes the job over after its lock expires, one delivery', async () => {
    const customer = await customerWith(h, { reply: 'chat' });
    let entered!: () => void;
    const sending = new Promise<void>((resolve) => {
      entered = resolve;
    });
    // Worker A freezes inside the send (the provider never answered) and is then killed.
    const a = await h.start({
      lockDurationMs: 1000,
      senders: {
        webChatPush: {
          deliver: (_user: string, _activity: Partial<Activity>) => {
            entered();
            return new Promise(() => undefined);
          },
        },
      },
    });
    const ticket = await fileTicket(h, customer);
    await h.ctx.services.staffTickets.accept(await staffMember(h), ticket.id);
    await sending;
    await a.crash();
    expect(await inbox(customer.chat.chatUserId)).toBe(0);

    // Worker B (a restarted process) finds the stalled job and delivers it, once.
    const b = await h.start({ lockDurationMs: 1000 });
    await eventually(
      async () => (await inbox(customer.chat.chatUserId)) === 1,
      'the takeover delivery',
      45_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(await inbox(customer.chat.chatUserId)).toBe(1);
    await b.stop();
  }, 90_000);

  test('a send that breaks off (server error mid-send) is retried and arrives once', async () => {
    const workers = await h.start();
    const customer = await customerWith(h, { reply: 'email', email: 'once@example.com' });
    smtp.failNext(1, 451);
    const ticket = await fileTicket(h, customer);
    await h.ctx.services.staffTickets.accept(await staffMember(h), ticket.id);
    await eventually(() => smtp.messages.some((m) => m.to.includes('once@example.com')), 'the email');
    await new Promise((r) => setTimeout(r, 800));
    expect(smtp.refusals.length).toBeGreaterThanOrEqual(1);
    expect(smtp.messages.filter((m) => m.to.includes('once@example.com'))).toHaveLength(1);
    await workers.stop();
  });

  test('the crash window: sent but not yet recorded -> the resend carries the same Message-ID', async () => {
    // The one gap left (documented in workers/deliver.ts): the process dies after the server accepted
    // the message and before the key is recorded. The retry sends again, under the same Message-ID,
    // which mail clients use to show the message once.
    let crashes = 1;
    const workers = await h.start({
      beforeRecord: async () => {
        if (crashes-- > 0) throw new Error('simulated crash between send and record');
      },
    });
    const customer = await customerWith(h, { reply: 'email', email: 'window@example.com' });
    const ticket = await fileTicket(h, customer);
    await h.ctx.services.staffTickets.accept(await staffMember(h), ticket.id);
    await eventually(
      () => smtp.messages.filter((m) => m.to.includes('window@example.com')).length === 2,
      'the resend',
    );
    const ids = smtp.messages.filter((m) => m.to.includes('window@example.com')).map((m) => m.messageId);
    expect(new Set(ids).size).toBe(1);
    await workers.stop();
  });
});

describe.each(drivers)('several relays at once [%s]', (driver) => {
  test('each outbox row is added to the queue by exactly one relay', async () => {
    const testDb = await createTestDatabase(driver);
    try {
      for (let i = 0; i < 600; i++) {
        await enqueue(testDb.db, {
          topic: 'staff.ticket_waiting',
          ticketId: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
        });
      }
      const added: number[] = [];
      const fakeQueue = {
        addBulk: async (jobs: { data: { outboxId: number } }[]) => {
          await new Promise((r) => setTimeout(r, 5));
          added.push(...jobs.map((j) => j.data.outboxId));
          return [];
        },
      } as unknown as Queue;
      const queues = Object.fromEntries(Object.values(EVENT_QUEUES).map((q) => [q, fakeQueue])) as Record<
        EventQueue,
        Queue
      >;
      const relays = Array.from(
        { length: 4 },
        () =>
          new OutboxRelay({
            db: testDb.db,
            queues,
            jobOptions: (jobId) => ({ jobId }),
            logger: createLogger('silent'),
            pollMs: 10,
            batch: 50,
          }),
      );
      await Promise.all(relays.map((r) => r.runOnce()));
      expect(added).toHaveLength(600);
      expect(new Set(added).size).toBe(600);
      expect(
        await count(testDb.db, 'select count(*)::int as n from outbox where dispatched_at is null'),
      ).toBe(0);
    } finally {
      await testDb.drop();
    }
  });

  test('when Redis refuses, the claimed rows are released at once and stay undispatched', async () => {
    const testDb = await createTestDatabase(driver);
    try {
      await enqueue(testDb.db, {
        topic: 'ticket.rating_reminder',
        ticketId: '00000000-0000-0000-0000-000000000001',
      });
      const failing = {
        addBulk: async () => Promise.reject(new Error('Connection is closed.')),
      } as unknown as Queue;
      const queues = Object.fromEntries(Object.values(EVENT_QUEUES).map((q) => [q, failing])) as Record<
        EventQueue,
        Queue
      >;
      const relay = new OutboxRelay({
        db: testDb.db,
        queues,
        jobOptions: (jobId) => ({ jobId }),
        logger: createLogger('silent'),
        pollMs: 10,
        batch: 50,
      });
      await expect(relay.runOnce()).rejects.toThrow('Connection is closed.');
      const { rows } = await testDb.db.query<{ dispatched_at: Date | null; lease_until: Date | null }>(
        'select dispatched_at, lease_until from outbox',
      );
      expect(rows).toEqual([{ dispatched_at: null, lease_until: null }]);
    } finally {
      await testDb.drop();
    }
  });
});

/** Removes every finished job of a prefix, as `removeOnComplete` does after an hour. */
async function cleanCompleted(prefix: string): Promise<void> {
  const connection = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
  try {
    for (const name of ALL_QUEUES) {
      const queue = new Queue(name, { connection, prefix });
      await queue.clean(0, 10_000, 'completed');
      await queue.close();
    }
  } finally {
    connection.disconnect();
  }
}
