import { type FakeSmtp, startFakeSmtp } from '../fakes/smtp';
import { drivers } from '../support/db';
import { count, createHarness, customerWith, eventually, fileTicket, type Harness } from './harness';
import { RedisProcess } from './redis-process';

/**
 * Reliability (F9, "never lost, never sent twice"): Redis dies, 1,000 ticket changes happen while it
 * is away, Redis comes back (empty: no persistence), and every notification arrives exactly once,
 * counted at the web chat inbox and at the SMTP server.
 */
describe.each(drivers)('Redis outage [%s]', (driver) => {
  let redis: RedisProcess;
  let smtp: FakeSmtp;
  let h: Harness;

  beforeAll(async () => {
    redis = await RedisProcess.create();
    smtp = await startFakeSmtp();
    h = await createHarness({
      driver,
      redisUrl: redis.url,
      env: { SMTP_URL: smtp.url, WORKER_CONCURRENCY: '16' },
    });
    await h.start();
  });

  afterAll(async () => {
    await h.stop();
    await redis.stop();
    await smtp.close();
  });

  test('1,000 changes while Redis is down are each delivered once when it returns', async () => {
    // 500 waiting tickets: 250 reporting to a web chat, 250 by email, spread over 20 customers.
    const customers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        customerWith(h, { reply: i % 2 === 0 ? 'chat' : 'email', locale: i % 4 < 2 ? 'zh-CN' : 'en-US' }),
      ),
    );
    const tickets: { id: string; customer: (typeof customers)[number] }[] = [];
    for (let i = 0; i < 500; i++) {
      const customer = customers[i % customers.length]!;
      tickets.push({ id: (await fileTicket(h, customer)).id, customer });
    }
    const staff = {
      staffId: (
        await h.db.query<{ id: string }>(
          `insert into staff (name, role) values ('Agent', 'agent') returning id`,
        )
      ).rows[0]!.id,
      role: 'agent' as const,
    };
    // Everything so far relayed and handled before the outage.
    await eventually(async () => (await pending(h)) === 0, 'the filing events relayed');

    await redis.stop();
    const before = await count(h.db, 'select count(*)::int as n from outbox');
    for (const t of tickets) await h.ctx.services.staffTickets.accept(staff, t.id);
    for (const t of tickets) await h.ctx.services.staffTickets.reply(staff, t.id, 'We are on it.');
    expect((await count(h.db, 'select count(*)::int as n from outbox')) - before).toBe(1000);
    // Nothing can leave while Redis is away: the rows wait in the outbox.
    await new Promise((r) => setTimeout(r, 500));
    expect(await pending(h)).toBe(1000);
    expect(smtp.messages).toHaveLength(0);

    const t0 = Date.now();
    await redis.start();
    await eventually(
      async () => smtp.messages.length >= 500 && (await webRows(h)) >= 500,
      'all 1,000 deliveries',
      90_000,
    );
    if (process.env.TEST_TIMINGS)
      console.log(`delivered 1,000 in ${Date.now() - t0} ms after Redis returned`);
    // Let any duplicate that would come, come.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await pending(h)).toBe(0);
    expect(smtp.messages).toHaveLength(500);
    expect(new Set(smtp.messages.map((m) => m.messageId)).size).toBe(500);
    expect(await webRows(h)).toBe(500);
    expect(await count(h.db, 'select count(*)::int as n from deliveries')).toBe(1000);
    // Per ticket: exactly one "accepted" and one "reply" message.
    const emailTickets = tickets.filter((t) => t.customer.reply.kind === 'email');
    for (const t of emailTickets.slice(0, 25)) {
      const { rows } = await h.db.query<{ number: string }>('select number from tickets where id = $1', [
        t.id,
      ]);
      const mine = smtp.messages.filter((m) => m.subject.includes(rows[0]!.number));
      expect(mine).toHaveLength(2);
    }
  }, 180_000);
});

const pending = (h: Harness) =>
  count(h.db, 'select count(*)::int as n from outbox where dispatched_at is null');
const webRows = (h: Harness) => count(h.db, 'select count(*)::int as n from web_chat_inbox');
