import { DbStaffTicketService } from '../../services/staff-tickets';
import { DbTicketSweeps } from '../../services/sweeps';
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

const HOUR = 60 * 60 * 1000;

describeEachDriver('ticket sweeps (F7, F8, F9)', (ctx) => {
  let now = Date.UTC(2035, 0, 1);
  const clock = () => new Date(now++);
  let tickets: DbTicketService;
  let staff: DbStaffTicketService;
  let sweeps: DbTicketSweeps;
  let alice: TestCustomer;
  let agent: Awaited<ReturnType<typeof createStaff>>;

  beforeAll(async () => {
    tickets = new DbTicketService(ctx.db, { categories: CATEGORIES, now: clock });
    staff = new DbStaffTicketService(ctx.db, { now: clock });
    sweeps = new DbTicketSweeps(ctx.db, {
      ratingWindowDays: 7,
      ratingReminderHours: 24,
      now: clock,
      batchSize: 3,
    });
    alice = await createCustomer(ctx.db, await createOrganization(ctx.db));
    agent = await createStaff(ctx.db);
  });

  const submit = async (category = 'technical') => {
    const d = await tickets.createDraft(alice.actor, draftFields(alice, { category }));
    return (await tickets.submit(alice.actor, d.id)).ticket.id;
  };
  const resolved = async () => {
    const id = await submit();
    await staff.accept(agent, id);
    await staff.resolve(agent, id, 'done');
    return id;
  };

  it('reminds once per resolved, unrated ticket after the delay, and closes it after the window', async () => {
    const ids = await Promise.all(Array.from({ length: 7 }, resolved));
    const rated = ids[6]!;
    await tickets.rate(alice.actor, rated, 5);
    expect(await sweeps.ratingReminders(new Date(now + 23 * HOUR))).toBe(0);
    // Several workers at once: each ticket is reminded exactly once.
    const at = new Date(now + 25 * HOUR);
    const counts = await Promise.all([
      sweeps.ratingReminders(at),
      sweeps.ratingReminders(at),
      sweeps.ratingReminders(at),
    ]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(6);
    expect(await sweeps.ratingReminders(new Date(now + 48 * HOUR))).toBe(0);
    for (const id of ids.slice(0, 6))
      expect(await outboxFor(ctx.db, id, 'ticket.rating_reminder')).toHaveLength(1);
    expect(await outboxFor(ctx.db, rated, 'ticket.rating_reminder')).toHaveLength(0);

    expect(await sweeps.autoClose(new Date(now + 6 * 24 * HOUR))).toBe(0);
    const late = new Date(now + 8 * 24 * HOUR);
    const closed = await Promise.all([sweeps.autoClose(late), sweeps.autoClose(late)]);
    expect(closed[0]! + closed[1]!).toBe(6);
    expect(await sweeps.autoClose(late)).toBe(0);
    const details = await tickets.get(alice.actor, ids[0]!);
    expect(details).toMatchObject({ status: 'closed', actions: [] });
    expect(details.timeline.at(-1)).toMatchObject({ kind: 'closed', actorType: 'system' });
    const changes = await outboxFor(ctx.db, ids[0]!, 'ticket.changed');
    expect(changes.at(-1)!.payload).toMatchObject({ change: 'closed', eventId: details.timeline.at(-1)!.id });
  });

  it('announces queue milestones 10, 5 and 1 once each, and none the customer already heard at submit', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 14; i++) ids.push(await submit('billing'));
    expect(await sweeps.queueMilestones()).toBe(0); // positions 1..14 were told at submit
    const milestones = async (id: string) =>
      (await outboxFor(ctx.db, id, 'ticket.queue_milestone')).map((e) => e.payload.position);

    // Accept the first four: #5 moves 5 -> 1 (milestone 1), #6..#9 move 6..9 -> 2..5 (milestone 5),
    // #10 moves 10 -> 6 (nothing new), #11..#14 move into the top ten (milestone 10).
    for (const id of ids.slice(0, 4)) await staff.accept(agent, id);
    const concurrent = await Promise.all([sweeps.queueMilestones(), sweeps.queueMilestones()]);
    expect(concurrent[0]! + concurrent[1]!).toBe(9);
    expect(await milestones(ids[4]!)).toEqual([1]);
    expect(await milestones(ids[5]!)).toEqual([2]);
    expect(await milestones(ids[9]!)).toEqual([]);
    expect(await sweeps.queueMilestones()).toBe(0);
    expect(await milestones(ids[10]!)).toEqual([7]);

    for (const id of ids.slice(4, 12)) await staff.accept(agent, id);
    // Now #13 is first and #14 second.
    expect(await sweeps.queueMilestones()).toBe(2);
    expect(await milestones(ids[12]!)).toEqual([9, 1]);
    expect(await milestones(ids[13]!)).toEqual([10, 2]);
    expect(await sweeps.queueMilestones()).toBe(0);
    await staff.accept(agent, ids[12]!);
    expect(await sweeps.queueMilestones()).toBe(1);
    expect(await milestones(ids[13]!)).toEqual([10, 2, 1]);
  });
});
