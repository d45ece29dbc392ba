import type { Figure } from '../../services/contracts';
import { DbStaffTicketService } from '../../services/staff-tickets';
import { DbTicketService } from '../../services/tickets';
import { describeEachDriver } from '../support/db';
import {
  CATEGORIES,
  createCustomer,
  createOrganization,
  createStaff,
  draftFields,
} from '../support/fixtures';

const byKey = (figures: Figure[], scope: Figure['scope']) =>
  Object.fromEntries(figures.filter((f) => f.scope === scope).map((f) => [f.key, f.count]));

describeEachDriver('key figures (F4)', (ctx) => {
  it('counts per identity and, for an organization-wide identity, per organization; each drills down', async () => {
    let now = Date.UTC(2034, 2, 31, 12); // 31 March, noon UTC (20:00 in Shanghai)
    const clock = () => new Date(now);
    const tickets = new DbTicketService(ctx.db, { categories: CATEGORIES, now: clock });
    const staff = new DbStaffTicketService(ctx.db, { now: clock });
    const agent = await createStaff(ctx.db);
    const org = await createOrganization(ctx.db);
    const me = await createCustomer(ctx.db, org);
    const boss = await createCustomer(ctx.db, org, { orgWide: true });
    const other = await createCustomer(ctx.db, await createOrganization(ctx.db));

    const make = async (c: typeof me, steps: ('accept' | 'resolve' | 'close' | 'rate')[]) => {
      const d = await tickets.createDraft(c.actor, draftFields(c));
      await tickets.submit(c.actor, d.id);
      for (const s of steps) {
        if (s === 'accept') await staff.accept(agent, d.id);
        if (s === 'resolve') await staff.resolve(agent, d.id, 'ok');
        if (s === 'close') await staff.close(agent, d.id);
        if (s === 'rate') await tickets.rate(c.actor, d.id, 4);
      }
      return d.id;
    };
    await make(me, []);
    await make(me, []);
    await make(me, ['accept']);
    await make(me, ['accept', 'resolve']);
    await make(me, ['accept', 'resolve', 'rate']);
    await tickets.createDraft(me.actor, draftFields(me)); // drafts count nowhere
    await make(boss, ['accept']);
    await make(other, []);
    now = Date.UTC(2034, 1, 10); // February: resolved last month
    await make(me, ['accept', 'resolve', 'close']);
    now = Date.UTC(2034, 2, 31, 12);

    const mine = await tickets.figures(me.actor);
    expect(mine.every((f) => f.scope === 'identity')).toBe(true);
    expect(byKey(mine, 'identity')).toEqual({
      waiting: 2,
      in_progress: 1,
      awaiting_rating: 1,
      resolved_this_month: 2,
    });

    const bossFigures = await tickets.figures(boss.actor);
    expect(byKey(bossFigures, 'identity')).toEqual({
      waiting: 0,
      in_progress: 1,
      awaiting_rating: 0,
      resolved_this_month: 0,
    });
    expect(byKey(bossFigures, 'organization')).toEqual({
      waiting: 2,
      in_progress: 2,
      awaiting_rating: 1,
      resolved_this_month: 2,
    });

    // Each figure's drill-down list returns exactly the tickets it counts.
    for (const [actor, figures] of [
      [me.actor, mine],
      [boss.actor, bossFigures],
    ] as const) {
      for (const f of figures) {
        const page = await tickets.list(actor, { ...f.drillDown, limit: 50 });
        expect([f.key, f.scope, page.items.length]).toEqual([f.key, f.scope, f.count]);
      }
    }
    // In Shanghai it is already April: this month's resolutions start from zero.
    now = Date.UTC(2034, 2, 31, 17);
    expect(byKey(await tickets.figures(me.actor), 'identity').resolved_this_month).toBe(0);
  });
});
