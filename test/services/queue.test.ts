import type { Priority, TicketDetails } from '../../services/contracts';
import { DbStaffTicketService } from '../../services/staff-tickets';
import { DbTicketService } from '../../services/tickets';
import { describeEachDriver } from '../support/db';
import {
  CATEGORIES,
  createCustomer,
  createOrganization,
  createStaff,
  draftFields,
  type TestCustomer,
} from '../support/fixtures';

describeEachDriver('queue position (F8)', (ctx) => {
  let tickets: DbTicketService;
  let staff: DbStaffTicketService;
  let alice: TestCustomer;
  let agent: Awaited<ReturnType<typeof createStaff>>;
  let clock = Date.UTC(2032, 0, 1);

  beforeAll(async () => {
    // A clock that ticks 1 ms per call keeps submission order deterministic on both drivers.
    tickets = new DbTicketService(ctx.db, { categories: CATEGORIES, now: () => new Date(clock++) });
    staff = new DbStaffTicketService(ctx.db);
    alice = await createCustomer(ctx.db, await createOrganization(ctx.db));
    agent = await createStaff(ctx.db);
  });

  const submit = async (category: string, priority: Priority = 'normal') => {
    const d = await tickets.createDraft(alice.actor, draftFields(alice, { category, priority }));
    return tickets.submit(alice.actor, d.id);
  };

  it('orders by priority, then submission time, within the ticket’s own queue', async () => {
    const low = await submit('other', 'low');
    const normal = await submit('other', 'normal');
    expect(normal.position).toEqual({ queue: 'other', position: 1, waiting: 2 });
    const urgent = await submit('other', 'urgent');
    expect(urgent.position).toEqual({ queue: 'other', position: 1, waiting: 3 });
    await submit('billing', 'urgent'); // another queue: no effect
    const positions = await Promise.all(
      [low, normal, urgent].map((s) => tickets.queuePosition(alice.actor, s.ticket.id)),
    );
    expect(positions.map((p) => p.position)).toEqual([3, 2, 1]);
    expect(positions.every((p) => p.waiting === 3)).toBe(true);

    await staff.accept(agent, urgent.ticket.id);
    expect(await tickets.queuePosition(alice.actor, low.ticket.id)).toEqual({
      queue: 'other',
      position: 2,
      waiting: 2,
    });
    await expect(tickets.queuePosition(alice.actor, urgent.ticket.id)).rejects.toMatchObject({
      kind: 'invalid_state',
      code: 'ticket_not_waiting',
      details: { status: 'in_progress' },
    });
  });

  it('lists a queue for staff in order with exact positions, page by page', async () => {
    const page1 = await staff.queue('other', { limit: 1 });
    const page2 = await staff.queue('other', { limit: 1, cursor: page1.nextCursor! });
    expect([...page1.items, ...page2.items].map((e) => [e.position, e.priority])).toEqual([
      [1, 'normal'],
      [2, 'low'],
    ]);
    expect(page2.nextCursor).toBeNull();
    const everything = await staff.queue(undefined, { limit: 50 });
    expect(everything.items.map((e) => `${e.queue}:${e.position}`)).toEqual([
      'billing:1',
      'other:1',
      'other:2',
    ]);
    await expect(staff.queue('other', { cursor: 'nope' })).rejects.toMatchObject({ kind: 'invalid_input' });
  });

  it('stays exact while tickets are submitted and accepted concurrently', async () => {
    const before = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        submit('account', (['urgent', 'high', 'normal', 'low'] as const)[i % 4]),
      ),
    );
    const drafts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        tickets.createDraft(
          alice.actor,
          draftFields(alice, { category: 'account', priority: i % 3 ? 'normal' : 'urgent' }),
        ),
      ),
    );
    const observed: { position: number; waiting: number }[] = [];
    const watch = async () => {
      for (let i = 0; i < 10; i++) {
        for (const t of before.slice(10)) {
          try {
            observed.push(await tickets.queuePosition(alice.actor, t.ticket.id));
          } catch {
            // accepted meanwhile
          }
        }
      }
    };
    await Promise.all([
      ...drafts.map((d) => tickets.submit(alice.actor, d.id)),
      ...before.slice(0, 10).map((t) => staff.accept(agent, t.ticket.id)),
      watch(),
    ]);
    // Every answer seen during the race is a consistent snapshot.
    for (const o of observed) {
      expect(o.position).toBeGreaterThanOrEqual(1);
      expect(o.position).toBeLessThanOrEqual(o.waiting);
    }
    // Afterwards: positions are exactly 1..n in (priority, submission time, id) order.
    const { rows } = await ctx.db.query<{ id: string }>(
      `select id from tickets where status = 'waiting' and queue = 'account' order by queue_rank, submitted_at, id`,
    );
    expect(rows).toHaveLength(30);
    const answers = await Promise.all(rows.map((r) => tickets.queuePosition(alice.actor, r.id)));
    expect(answers.map((a) => a.position)).toEqual(rows.map((_, i) => i + 1));
    expect(answers.every((a) => a.waiting === 30)).toBe(true);
    const listed = await staff.queue('account', { limit: 50 });
    expect(listed.items.map((e) => e.id)).toEqual(rows.map((r) => r.id));
    expect(listed.items.map((e) => e.position)).toEqual(rows.map((_, i) => i + 1));
  });

  it('is answered from the waiting-queue index', async () => {
    const t: TicketDetails = (await submit('technical')).ticket;
    const plan = await ctx.db.transaction(async (tx) => {
      // Tiny test tables make a sequential scan cheapest; forbid it to see which index serves.
      await tx.query('set local enable_seqscan = off');
      const { rows } = await tx.query<{ 'QUERY PLAN': string }>(
        `explain select count(*) from tickets w where w.status = 'waiting' and w.queue = 'technical'
          and (w.queue_rank, w.submitted_at, w.id) < (2, now(), $1::uuid)`,
        [t.id],
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('tickets_waiting_queue');
  });
});
