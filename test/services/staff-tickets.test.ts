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

describeEachDriver('staff tickets (S1, F7 lifecycle)', (ctx) => {
  let tickets: DbTicketService;
  let staff: DbStaffTicketService;
  let alice: TestCustomer;
  let agent: Awaited<ReturnType<typeof createStaff>>;

  beforeAll(async () => {
    tickets = new DbTicketService(ctx.db, { categories: CATEGORIES });
    staff = new DbStaffTicketService(ctx.db);
    alice = await createCustomer(ctx.db, await createOrganization(ctx.db));
    agent = await createStaff(ctx.db, 'Wang Fang');
  });

  const submitted = async () => {
    const draft = await tickets.createDraft(alice.actor, draftFields(alice));
    return (await tickets.submit(alice.actor, draft.id)).ticket;
  };

  it('walks the lifecycle: accept, reply, resolve, close; each step in the timeline and the outbox', async () => {
    const t = await submitted();
    const accepted = await staff.accept(agent, t.number!);
    expect(accepted).toMatchObject({
      status: 'in_progress',
      acceptedBy: { id: agent.staffId, name: 'Wang Fang' },
    });
    expect(accepted.acceptedAt).toBeInstanceOf(Date);
    await staff.reply(agent, t.id, 'Please restart the printer.');
    const resolved = await staff.resolve(agent, t.id, 'Replaced the fuser.');
    expect(resolved).toMatchObject({ status: 'resolved', resolution: 'Replaced the fuser.' });
    const closed = await staff.close(agent, t.id);
    expect(closed.status).toBe('closed');
    expect(closed.closedAt).toBeInstanceOf(Date);

    const mine = await tickets.get(alice.actor, t.id);
    expect(mine.timeline.map((e) => e.kind)).toEqual([
      'created',
      'submitted',
      'accepted',
      'staff_reply',
      'resolved',
      'closed',
    ]);
    expect(
      mine.timeline.filter((e) => e.actorType === 'staff').every((e) => e.actorName === 'Wang Fang'),
    ).toBe(true);
    expect(mine.timeline[3]!.data).toEqual({ text: 'Please restart the printer.' });

    const changes = await outboxFor(ctx.db, t.id, 'ticket.changed');
    expect(changes.map((c) => c.payload.change)).toEqual(['accepted', 'replied', 'resolved', 'closed']);
    // Each outbox event names the timeline entry it announces.
    const staffEvents = mine.timeline.filter((e) => e.actorType === 'staff').map((e) => e.id);
    expect(changes.map((c) => c.payload.eventId)).toEqual(staffEvents);
  });

  it.each([
    ['reply', 'waiting'],
    ['resolve', 'waiting'],
    ['reopen', 'waiting'],
  ] as const)('refuses %s on a %s ticket with invalid_state naming the status', async (action, status) => {
    const t = await submitted();
    const run = action === 'reopen' ? staff.reopen(agent, t.id) : staff[action](agent, t.id, 'text');
    await expect(run).rejects.toMatchObject({ kind: 'invalid_state', details: { status } });
    expect((await staff.get(t.id)).status).toBe('waiting');
  });

  it('refuses transitions from final states and accepting twice; nothing is written when refused', async () => {
    const t = await submitted();
    await staff.accept(agent, t.id);
    await expect(staff.accept(agent, t.id)).rejects.toMatchObject({
      code: 'ticket_not_waiting',
      details: { status: 'in_progress' },
    });
    const cancelled = await submitted();
    await tickets.cancel(alice.actor, cancelled.id);
    for (const run of [
      () => staff.accept(agent, cancelled.id),
      () => staff.close(agent, cancelled.id),
      () => staff.reopen(agent, cancelled.id),
      () => staff.resolve(agent, cancelled.id, 'done'),
    ]) {
      await expect(run()).rejects.toMatchObject({ kind: 'invalid_state', details: { status: 'cancelled' } });
    }
    expect((await outboxFor(ctx.db, cancelled.id, 'ticket.changed')).map((e) => e.payload.change)).toEqual([
      'cancelled',
    ]);
    await expect(staff.resolve(agent, t.id, '   ')).rejects.toMatchObject({
      kind: 'invalid_input',
      details: { field: 'resolution' },
    });
    await expect(staff.get('T19990101-0001')).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('reopens a resolved or closed ticket back to in progress, clearing the resolution', async () => {
    const t = await submitted();
    await staff.accept(agent, t.id);
    await staff.resolve(agent, t.id, 'fixed');
    await staff.close(agent, t.id);
    const reopened = await staff.reopen(agent, t.id, 'still broken');
    expect(reopened).toMatchObject({
      status: 'in_progress',
      resolution: null,
      resolvedAt: null,
      closedAt: null,
    });
    expect(reopened.timeline.at(-1)).toMatchObject({ kind: 'reopened', data: { reason: 'still broken' } });
  });

  it('lets exactly one of several concurrent accepts win', async () => {
    const t = await submitted();
    const agents = await Promise.all([1, 2, 3, 4, 5].map((i) => createStaff(ctx.db, `Agent ${i}`)));
    const results = await Promise.allSettled(agents.map((a) => staff.accept(a, t.id)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        kind: 'invalid_state',
        details: { status: 'in_progress' },
      });
    }
    expect(await outboxFor(ctx.db, t.id, 'ticket.changed')).toHaveLength(1);
    const details = await staff.get(t.id);
    expect(details.timeline.filter((e) => e.kind === 'accepted')).toHaveLength(1);
  });

  it('lists tickets by organization and status with a cursor; drafts never show', async () => {
    const org = await createOrganization(ctx.db);
    const c = await createCustomer(ctx.db, org);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const d = await tickets.createDraft(c.actor, draftFields(c));
      if (i < 4) await tickets.submit(c.actor, d.id);
      ids.push(d.id);
    }
    await staff.accept(agent, ids[0]!);
    const first = await staff.list({ organizationId: org, limit: 3 });
    expect(first.items).toHaveLength(3);
    const second = await staff.list({ organizationId: org, limit: 3, cursor: first.nextCursor! });
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].map((i) => i.id).sort()).toEqual(ids.slice(0, 4).sort());
    expect((await staff.list({ organizationId: org, status: 'in_progress' })).items.map((i) => i.id)).toEqual(
      [ids[0]],
    );
  });
});
