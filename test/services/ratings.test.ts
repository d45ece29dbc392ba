import { DbStaffTicketService } from '../../services/staff-tickets';
import { DbTicketService } from '../../services/tickets';
import { describeEachDriver } from '../support/db';
import {
  CATEGORIES,
  createCustomer,
  createOrganization,
  createStaff,
  draftFields,
  outboxFor,
  type TestCustomer,
} from '../support/fixtures';

const DAY = 24 * 60 * 60 * 1000;

describeEachDriver('ratings and reopen (F7, F10)', (ctx) => {
  let now = Date.UTC(2033, 5, 1);
  let tickets: DbTicketService;
  let staff: DbStaffTicketService;
  let alice: TestCustomer;
  let bob: TestCustomer;
  let agent: Awaited<ReturnType<typeof createStaff>>;

  beforeAll(async () => {
    tickets = new DbTicketService(ctx.db, {
      categories: CATEGORIES,
      ratingWindowDays: 7,
      now: () => new Date(now),
    });
    staff = new DbStaffTicketService(ctx.db, { now: () => new Date(now) });
    const org = await createOrganization(ctx.db);
    alice = await createCustomer(ctx.db, org);
    bob = await createCustomer(ctx.db, org);
    agent = await createStaff(ctx.db, 'Li Lei');
  });

  const resolved = async () => {
    const d = await tickets.createDraft(alice.actor, draftFields(alice));
    await tickets.submit(alice.actor, d.id);
    await staff.accept(agent, d.id);
    return staff.resolve(agent, d.id, 'Done.');
  };

  it('rates once, closes the ticket and alerts staff; low ratings are flagged', async () => {
    const t = await resolved();
    expect((await tickets.get(alice.actor, t.id)).actions).toEqual(['rate', 'reopen', 'share']);
    const rated = await tickets.rate(alice.actor, t.id, 2, '  Slow  ');
    expect(rated).toMatchObject({ status: 'closed', rating: { stars: 2, comment: 'Slow' }, actions: [] });
    expect((await outboxFor(ctx.db, t.id, 'staff.rating_received'))[0]!.payload).toEqual({
      ticketId: t.id,
      stars: 2,
      low: true,
    });
    await expect(tickets.rate(alice.actor, t.id, 5)).rejects.toMatchObject({
      kind: 'conflict',
      code: 'already_rated',
    });
    const good = await resolved();
    await tickets.rate(alice.actor, good.id, 5);
    expect((await outboxFor(ctx.db, good.id, 'staff.rating_received'))[0]!.payload).toMatchObject({
      low: false,
    });
    const list = await staff.ratings({ lowFirst: true, limit: 1 });
    expect(list.items[0]).toMatchObject({ ticketId: t.id, stars: 2, acceptedBy: 'Li Lei' });
    const next = await staff.ratings({ lowFirst: true, limit: 1, cursor: list.nextCursor! });
    expect(next.items[0]).toMatchObject({ ticketId: good.id, stars: 5 });
  });

  it('lets only one of two concurrent ratings count', async () => {
    const t = await resolved();
    const results = await Promise.allSettled([
      tickets.rate(alice.actor, t.id, 4),
      tickets.rate(alice.actor, t.id, 1),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({
      code: 'already_rated',
    });
    expect(await outboxFor(ctx.db, t.id, 'staff.rating_received')).toHaveLength(1);
  });

  it('refuses ratings of unresolved tickets, bad stars, long comments, other identities', async () => {
    const d = await tickets.createDraft(alice.actor, draftFields(alice));
    await tickets.submit(alice.actor, d.id);
    await expect(tickets.rate(alice.actor, d.id, 5)).rejects.toMatchObject({
      kind: 'invalid_state',
      code: 'ticket_not_resolved',
      details: { status: 'waiting' },
    });
    const t = await resolved();
    for (const stars of [0, 6, 2.5, Number.NaN]) {
      await expect(tickets.rate(alice.actor, t.id, stars)).rejects.toMatchObject({
        details: { field: 'stars' },
      });
    }
    await expect(tickets.rate(alice.actor, t.id, 3, 'x'.repeat(1001))).rejects.toMatchObject({
      details: { field: 'comment' },
    });
    await expect(tickets.rate(bob.actor, t.id, 1)).rejects.toMatchObject({ kind: 'not_found' });
    await tickets.share(alice.actor, t.id, bob.identityId);
    await expect(tickets.rate(bob.actor, t.id, 1)).rejects.toMatchObject({ kind: 'forbidden' });
    expect((await tickets.get(alice.actor, t.id)).rating).toBeNull();
  });

  it('reopens within the rating window ("not solved"), not after it', async () => {
    const t = await resolved();
    now += 6 * DAY;
    const reopened = await tickets.reopen(alice.actor, t.id, 'still jammed');
    expect(reopened).toMatchObject({
      status: 'in_progress',
      resolution: null,
      actions: ['supplement', 'share'],
    });
    expect((await outboxFor(ctx.db, t.id, 'ticket.changed')).at(-1)!.payload).toMatchObject({
      change: 'reopened',
    });
    await expect(tickets.reopen(alice.actor, t.id)).rejects.toMatchObject({
      details: { status: 'in_progress' },
    });
    await staff.resolve(agent, t.id, 'Really done.');
    now += 8 * DAY;
    const late = await tickets.get(alice.actor, t.id);
    expect(late.actions).toEqual(['share']);
    await expect(tickets.reopen(alice.actor, t.id)).rejects.toMatchObject({ code: 'rating_window_passed' });
    await expect(tickets.rate(alice.actor, t.id, 5)).rejects.toMatchObject({ code: 'rating_window_passed' });
  });
});
