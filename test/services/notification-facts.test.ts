import { notificationFacts } from '../../services/notification-facts';
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

describeEachDriver('notification facts (what a notification about a ticket needs, one query)', (ctx) => {
  let tickets: DbTicketService;
  let staff: DbStaffTicketService;
  let alice: TestCustomer;
  let agent: Awaited<ReturnType<typeof createStaff>>;

  beforeAll(async () => {
    tickets = new DbTicketService(ctx.db, { categories: CATEGORIES });
    staff = new DbStaffTicketService(ctx.db);
    alice = await createCustomer(ctx.db, await createOrganization(ctx.db, 'ACME Facts'), {
      email: 'alice@example.com',
    });
    agent = await createStaff(ctx.db, 'Wang Fang');
  });

  const submitted = async () => {
    const draft = await tickets.createDraft(alice.actor, draftFields(alice));
    return (await tickets.submit(alice.actor, draft.id)).ticket;
  };

  it('matches the staff details: headline, who accepted, the named timeline entry, customer and binding', async () => {
    const t = await submitted();
    await staff.accept(agent, t.id);
    await staff.reply(agent, t.id, 'Please restart the printer.');
    const details = await staff.get(t.id);
    const reply = details.timeline.find((e) => e.kind === 'staff_reply')!;
    const changed = await outboxFor(ctx.db, t.id, 'ticket.changed');
    expect(changed.length).toBeGreaterThan(0);

    const facts = await notificationFacts(ctx.db, t.id, reply.id);
    expect(facts).toEqual({
      ticket: {
        id: t.id,
        number: details.number,
        title: details.title,
        status: 'in_progress',
        priority: details.priority,
        category: details.category,
        organizationId: alice.organizationId,
        organizationName: 'ACME Facts',
        replyChannel: alice.chat,
        resolvedAt: null,
        resolution: null,
        acceptedBy: { id: agent.staffId, name: 'Wang Fang' },
        rating: null,
      },
      eventData: { text: 'Please restart the printer.' },
      customer: expect.objectContaining({ id: alice.accountId, email: 'alice@example.com' }),
      replyBinding: expect.objectContaining({ accountId: alice.accountId, reachable: true }),
    });
    // An event id of another ticket (or none) names no entry here.
    expect((await notificationFacts(ctx.db, t.id))?.eventData).toBeNull();
    expect((await notificationFacts(ctx.db, t.id, reply.id + 100_000))?.eventData).toBeNull();
  });

  it('carries the resolution and the rating once the customer rated', async () => {
    const t = await submitted();
    await staff.accept(agent, t.id);
    await staff.resolve(agent, t.id, 'Replaced the fuser.');
    await tickets.rate(alice.actor, t.id, 2, 'slow');
    const facts = await notificationFacts(ctx.db, t.id);
    // Rating closes the ticket.
    expect(facts?.ticket).toMatchObject({
      status: 'closed',
      resolution: 'Replaced the fuser.',
      rating: { stars: 2, comment: 'slow' },
    });
    expect(facts?.ticket.resolvedAt).toBeInstanceOf(Date);
  });

  it('finds no draft, no unknown ticket and no malformed id', async () => {
    const draft = await tickets.createDraft(alice.actor, draftFields(alice));
    await expect(notificationFacts(ctx.db, draft.id)).resolves.toBeUndefined();
    await expect(notificationFacts(ctx.db, '00000000-0000-4000-8000-000000000000')).resolves.toBeUndefined();
    await expect(notificationFacts(ctx.db, 'not-a-uuid')).resolves.toBeUndefined();
  });

  it('has no customer once the identity is unbound, and no binding when the chat user is gone', async () => {
    const bob = await createCustomer(ctx.db, await createOrganization(ctx.db));
    const draft = await tickets.createDraft(bob.actor, draftFields(bob));
    const t = (await tickets.submit(bob.actor, draft.id)).ticket;
    await ctx.db.query('delete from chat_bindings where account_id = $1', [bob.accountId]);
    expect((await notificationFacts(ctx.db, t.id))?.replyBinding).toBeNull();
    await ctx.db.query('update identities set unbound_at = now() where id = $1', [bob.identityId]);
    const facts = await notificationFacts(ctx.db, t.id);
    expect(facts?.customer).toBeNull();
    expect(facts?.ticket.id).toBe(t.id);
  });
});
