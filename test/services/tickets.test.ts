import type { TicketSummary } from '../../services/contracts';
import { DbStaffTicketService } from '../../services/staff-tickets';
import { DbTicketService } from '../../services/tickets';
import { describeEachDriver } from '../support/db';
import {
  addIdentity,
  CATEGORIES,
  createCustomer,
  createOrganization,
  createStaff,
  draftFields,
  outboxFor,
  type TestCustomer,
  unbindIdentity,
} from '../support/fixtures';

const NUMBER = /^T\d{8}-\d{4,}$/;

describeEachDriver('tickets (F5-F7)', (ctx) => {
  let tickets: DbTicketService;
  let staff: DbStaffTicketService;
  let org: string;
  let alice: TestCustomer;
  let bob: TestCustomer; // same organization, no organization-wide right
  let boss: TestCustomer; // same organization, organization-wide
  let stranger: TestCustomer; // another organization

  beforeAll(async () => {
    tickets = new DbTicketService(ctx.db, { categories: CATEGORIES });
    staff = new DbStaffTicketService(ctx.db);
    org = await createOrganization(ctx.db);
    alice = await createCustomer(ctx.db, org, { displayName: 'Alice' });
    bob = await createCustomer(ctx.db, org, { displayName: 'Bob' });
    boss = await createCustomer(ctx.db, org, { orgWide: true });
    stranger = await createCustomer(ctx.db, await createOrganization(ctx.db));
  });

  const submitted = async (c: TestCustomer, overrides = {}) => {
    const draft = await tickets.createDraft(c.actor, draftFields(c, overrides));
    return (await tickets.submit(c.actor, draft.id)).ticket;
  };

  describe('drafts', () => {
    it('creates, edits any field, submits, and offers draft actions', async () => {
      const draft = await tickets.createDraft(alice.actor, { title: '  VPN down  ' });
      expect(draft).toMatchObject({
        status: 'draft',
        number: null,
        title: 'VPN down',
        actions: ['submit', 'edit', 'delete'],
      });
      const edited = await tickets.updateDraft(alice.actor, draft.id, {
        description: 'Since Monday',
        category: 'technical',
        priority: 'high',
        replyChannel: alice.chat,
      });
      expect(edited).toMatchObject({ description: 'Since Monday', category: 'technical', priority: 'high' });
      expect(edited.replyChannel).toEqual(alice.chat);
      const { ticket, position } = await tickets.submit(alice.actor, draft.id);
      expect(ticket.number).toMatch(NUMBER);
      expect(ticket).toMatchObject({
        status: 'waiting',
        queue: 'technical',
        actions: ['queue', 'cancel', 'supplement', 'share'],
      });
      expect(ticket.submittedAt).toBeInstanceOf(Date);
      expect(position!.queue).toBe('technical');
      expect(position!.position).toBeGreaterThanOrEqual(1);
      expect(ticket.timeline.map((e) => e.kind)).toEqual(['created', 'submitted']);
      expect(ticket.timeline[1]).toMatchObject({ actorType: 'customer', actorName: 'Alice' });
      expect((await outboxFor(ctx.db, draft.id)).map((e) => e.topic)).toEqual(['staff.ticket_waiting']);
      // A submitted ticket is no longer a draft: it cannot be edited, deleted or submitted again.
      await expect(tickets.updateDraft(alice.actor, draft.id, { title: 'x' })).rejects.toMatchObject({
        kind: 'invalid_state',
        details: { status: 'waiting' },
      });
      await expect(tickets.submit(alice.actor, draft.id)).rejects.toMatchObject({ code: 'ticket_not_draft' });
      await expect(tickets.deleteDraft(alice.actor, draft.id)).rejects.toMatchObject({
        kind: 'invalid_state',
      });
    });

    it('deletes a draft', async () => {
      const draft = await tickets.createDraft(alice.actor, {});
      await tickets.deleteDraft(alice.actor, draft.id);
      await expect(tickets.get(alice.actor, draft.id)).rejects.toMatchObject({ kind: 'not_found' });
    });

    it.each([
      ['title', 'blank', { title: '   ' }, 'title_required'],
      ['title', '121 chars', { title: 'x'.repeat(121) }, 'title_too_long'],
      ['description', '5001 chars', { description: 'x'.repeat(5001) }, 'description_too_long'],
      ['category', 'unknown', { category: 'gardening' }, 'unknown_category'],
      ['priority', 'unknown', { priority: 'asap' }, 'unknown_priority'],
      ['replyChannel', 'unknown kind', { replyChannel: { kind: 'pigeon' } }, 'invalid_reply_channel'],
      [
        'replyChannel',
        'unknown chat',
        { replyChannel: { kind: 'chat', channel: 'irc', chatUserId: 'x' } },
        'invalid_reply_channel',
      ],
    ])('rejects an invalid %s (%s) naming the field', async (field, _label, fields, code) => {
      const error = { kind: 'invalid_input', code, details: { field } };
      await expect(tickets.createDraft(alice.actor, fields as never)).rejects.toMatchObject(error);
      const draft = await tickets.createDraft(alice.actor, {});
      await expect(tickets.updateDraft(alice.actor, draft.id, fields as never)).rejects.toMatchObject(error);
    });

    it('accepts a title of exactly 120 characters (counted as characters, not bytes)', async () => {
      const draft = await tickets.createDraft(alice.actor, draftFields(alice, { title: '票'.repeat(120) }));
      expect((await tickets.submit(alice.actor, draft.id)).ticket.title).toHaveLength(120);
    });

    it.each([
      ['title', { title: undefined }, 'title_required'],
      ['category', { category: undefined }, 'category_required'],
      ['priority', { priority: undefined }, 'priority_required'],
      ['replyChannel', { replyChannel: undefined }, 'reply_channel_required'],
    ])('refuses to submit without %s', async (field, missing, code) => {
      const fields = { ...draftFields(alice), ...missing };
      const draft = await tickets.createDraft(alice.actor, fields);
      await expect(tickets.submit(alice.actor, draft.id)).rejects.toMatchObject({
        kind: 'invalid_input',
        code,
        details: { field },
      });
      expect((await tickets.get(alice.actor, draft.id)).status).toBe('draft');
    });

    it("refuses a reply channel the account cannot receive on (someone else's chat, no email on file)", async () => {
      const other = await tickets.createDraft(alice.actor, draftFields(alice, { replyChannel: bob.chat }));
      await expect(tickets.submit(alice.actor, other.id)).rejects.toMatchObject({
        code: 'reply_channel_unavailable',
        details: { field: 'replyChannel' },
      });
      const email = await tickets.createDraft(
        alice.actor,
        draftFields(alice, { replyChannel: { kind: 'email' } }),
      );
      await expect(tickets.submit(alice.actor, email.id)).rejects.toMatchObject({
        code: 'reply_channel_unavailable',
      });
      const sms = await tickets.createDraft(
        alice.actor,
        draftFields(alice, { replyChannel: { kind: 'sms' } }),
      );
      expect((await tickets.submit(alice.actor, sms.id)).ticket.status).toBe('waiting');
    });

    it('keeps drafts private: not visible to colleagues, the organization-wide identity, or staff', async () => {
      const draft = await tickets.createDraft(alice.actor, draftFields(alice));
      for (const c of [bob, boss, stranger]) {
        await expect(tickets.get(c.actor, draft.id)).rejects.toMatchObject({ kind: 'not_found' });
        await expect(tickets.updateDraft(c.actor, draft.id, { title: 'mine now' })).rejects.toMatchObject({
          kind: 'not_found',
        });
        await expect(tickets.submit(c.actor, draft.id)).rejects.toMatchObject({ kind: 'not_found' });
        await expect(tickets.deleteDraft(c.actor, draft.id)).rejects.toMatchObject({ kind: 'not_found' });
      }
      await expect(staff.get(draft.id)).rejects.toMatchObject({ kind: 'not_found' });
      expect((await tickets.get(alice.actor, draft.id)).status).toBe('draft');
    });
  });

  describe('numbers', () => {
    it('numbers 50 drafts submitted concurrently uniquely, T<yyyymmdd>-<nnnn>', async () => {
      const c = await createCustomer(ctx.db, org);
      const drafts = await Promise.all(
        Array.from({ length: 50 }, () => tickets.createDraft(c.actor, draftFields(c))),
      );
      const results = await Promise.all(drafts.map((d) => tickets.submit(c.actor, d.id)));
      const numbers = results.map((r) => r.ticket.number!);
      expect(new Set(numbers).size).toBe(50);
      for (const n of numbers) expect(n).toMatch(NUMBER);
      const days = new Set(numbers.map((n) => n.slice(1, 9)));
      expect(days.size).toBe(1);
    });

    it('takes the day from the configured time zone and restarts the counter per day', async () => {
      const at = new Date('2030-01-01T17:30:00Z'); // already 2 January in Shanghai
      const zoned = new DbTicketService(ctx.db, { categories: CATEGORIES, now: () => at });
      const first = await zoned.createDraft(alice.actor, draftFields(alice));
      const second = await zoned.createDraft(alice.actor, draftFields(alice));
      expect((await zoned.submit(alice.actor, first.id)).ticket.number).toBe('T20300102-0001');
      expect((await zoned.submit(alice.actor, second.id)).ticket.number).toBe('T20300102-0002');
      // Found by number as well as by id, in any letter case.
      expect((await tickets.get(alice.actor, 't20300102-0002')).id).toBe(second.id);
    });
  });

  describe('scope (F3, F6, F7)', () => {
    it('answers not_found for tickets outside the identity, by id and by number, for reads and writes', async () => {
      const t = await submitted(alice);
      for (const ref of [t.id, t.number!]) {
        await expect(tickets.get(stranger.actor, ref)).rejects.toMatchObject({
          kind: 'not_found',
          code: 'ticket_not_found',
        });
        await expect(tickets.get(bob.actor, ref)).rejects.toMatchObject({ kind: 'not_found' });
      }
      await expect(tickets.cancel(bob.actor, t.id)).rejects.toMatchObject({ kind: 'not_found' });
      await expect(tickets.addSupplement(stranger.actor, t.id, 'hi')).rejects.toMatchObject({
        kind: 'not_found',
      });
      await expect(tickets.queuePosition(stranger.actor, t.id)).rejects.toMatchObject({ kind: 'not_found' });
      await expect(tickets.share(stranger.actor, t.id, stranger.identityId)).rejects.toMatchObject({
        kind: 'not_found',
      });
      await expect(tickets.get(stranger.actor, '00000000-0000-0000-0000-000000000000')).rejects.toMatchObject(
        { kind: 'not_found' },
      );
      await expect(tickets.get(stranger.actor, "T1' or 1=1 --")).rejects.toMatchObject({ kind: 'not_found' });
      expect((await tickets.get(alice.actor, t.id)).status).toBe('waiting');
    });

    it('lets the organization-wide identity see and cancel, but not across organizations', async () => {
      const t = await submitted(alice);
      expect((await tickets.get(boss.actor, t.number!)).actions).toEqual([
        'queue',
        'cancel',
        'supplement',
        'share',
      ]);
      expect((await tickets.cancel(boss.actor, t.id)).status).toBe('cancelled');
      const otherBoss = await createCustomer(ctx.db, stranger.organizationId, { orgWide: true });
      await expect(tickets.get(otherBoss.actor, t.id)).rejects.toMatchObject({ kind: 'not_found' });
    });

    it('refuses an unbound identity, or an identity of another account, as actor', async () => {
      const extra = await addIdentity(ctx.db, alice.accountId, org);
      await unbindIdentity(ctx.db, extra);
      await expect(
        tickets.list({ accountId: alice.accountId, identityId: extra }, { scope: 'mine' }),
      ).rejects.toMatchObject({
        kind: 'forbidden',
      });
      await expect(
        tickets.list({ accountId: bob.accountId, identityId: alice.identityId }, { scope: 'mine' }),
      ).rejects.toMatchObject({
        kind: 'forbidden',
      });
    });
  });

  describe('share', () => {
    it('shares with a colleague of the same organization, who then sees it under "shared" and "all"', async () => {
      const t = await submitted(alice);
      await expect(tickets.get(bob.actor, t.id)).rejects.toMatchObject({ kind: 'not_found' });
      await tickets.share(alice.actor, t.id, bob.identityId);
      await tickets.share(alice.actor, t.id, bob.identityId); // twice is harmless
      // The colleague is told once (an outbox event naming them and the timeline entry).
      const shareEvents = (await tickets.get(alice.actor, t.id)).timeline.filter((e) => e.kind === 'shared');
      expect(shareEvents).toHaveLength(1);
      expect((await outboxFor(ctx.db, t.id, 'ticket.shared')).map((e) => e.payload)).toEqual([
        { ticketId: t.id, identityId: bob.identityId, eventId: shareEvents[0]!.id },
      ]);
      const seen = await tickets.get(bob.actor, t.id);
      // A colleague it is shared with follows and contributes, but does not decide (no cancel).
      expect(seen.actions).toEqual(['queue', 'supplement', 'share']);
      await expect(tickets.cancel(bob.actor, t.id)).rejects.toMatchObject({ kind: 'forbidden' });
      // The author's chat user id stays the author's: the colleague learns only that progress goes to a chat.
      expect((await tickets.get(alice.actor, t.id)).replyChannel).toEqual(alice.chat);
      expect(seen.replyChannel).toEqual({ kind: 'chat', channel: alice.chat.channel, chatUserId: '' });
      expect(
        (await tickets.list(bob.actor, { scope: 'shared', limit: 50 })).items.map((i) => i.id),
      ).toContain(t.id);
      expect((await tickets.list(bob.actor, { scope: 'all', limit: 50 })).items.map((i) => i.id)).toContain(
        t.id,
      );
      expect(
        (await tickets.list(bob.actor, { scope: 'mine', limit: 50 })).items.map((i) => i.id),
      ).not.toContain(t.id);
      const shared = seen.timeline.filter((e) => e.kind === 'shared');
      expect(shared).toHaveLength(1);
      expect(shared[0]!.data).toMatchObject({ displayName: 'Bob' });
    });

    it('refuses identities of another organization, unbound ones, and the owner itself', async () => {
      const t = await submitted(alice);
      const gone = await createCustomer(ctx.db, org);
      await unbindIdentity(ctx.db, gone.identityId);
      for (const target of [stranger.identityId, gone.identityId, alice.identityId, 'not-an-id']) {
        await expect(tickets.share(alice.actor, t.id, target)).rejects.toMatchObject({
          kind: 'invalid_input',
          code: 'invalid_share_target',
          details: { field: 'identityId' },
        });
      }
      await expect(tickets.get(stranger.actor, t.id)).rejects.toMatchObject({ kind: 'not_found' });
    });
  });

  describe('cancel, supplement, attachments', () => {
    it('cancels only while waiting, announcing it', async () => {
      const t = await submitted(alice);
      const cancelled = await tickets.cancel(alice.actor, t.id);
      expect(cancelled).toMatchObject({ status: 'cancelled', actions: [] });
      const [event] = await outboxFor(ctx.db, t.id, 'ticket.changed');
      expect(event!.payload).toMatchObject({ change: 'cancelled', eventId: cancelled.timeline.at(-1)!.id });
      await expect(tickets.cancel(alice.actor, t.id)).rejects.toMatchObject({
        kind: 'invalid_state',
        code: 'ticket_not_waiting',
        details: { status: 'cancelled' },
      });
      const accepted = await submitted(alice);
      await staff.accept(await createStaff(ctx.db), accepted.id);
      await expect(tickets.cancel(alice.actor, accepted.id)).rejects.toMatchObject({
        details: { status: 'in_progress' },
      });
    });

    it('adds supplements while open, not on drafts, cancelled or closed tickets', async () => {
      const t = await submitted(alice);
      const after = await tickets.addSupplement(alice.actor, t.id, '  Error code E42 again ');
      expect(after.timeline.at(-1)).toMatchObject({
        kind: 'supplement',
        data: { text: 'Error code E42 again' },
      });
      await expect(tickets.addSupplement(alice.actor, t.id, '  ')).rejects.toMatchObject({
        details: { field: 'text' },
      });
      await expect(tickets.addSupplement(alice.actor, t.id, 'x'.repeat(5001))).rejects.toMatchObject({
        kind: 'invalid_input',
      });
      await tickets.cancel(alice.actor, t.id);
      await expect(tickets.addSupplement(alice.actor, t.id, 'more')).rejects.toMatchObject({
        kind: 'invalid_state',
        details: { status: 'cancelled' },
      });
      const draft = await tickets.createDraft(alice.actor, {});
      await expect(tickets.addSupplement(alice.actor, draft.id, 'more')).rejects.toMatchObject({
        details: { status: 'draft' },
      });
    });

    it('tells the staff member handling a ticket about a supplement (an outbox event), nobody while it waits', async () => {
      const t = await submitted(alice);
      await tickets.addSupplement(alice.actor, t.id, 'Still broken on Monday');
      expect(await outboxFor(ctx.db, t.id, 'staff.ticket_supplemented')).toHaveLength(0);
      await staff.accept(await createStaff(ctx.db), t.id);
      const after = await tickets.addSupplement(alice.actor, t.id, 'Also on the second screen');
      const events = await outboxFor(ctx.db, t.id, 'staff.ticket_supplemented');
      expect(events.map((e) => e.payload)).toEqual([{ ticketId: t.id, eventId: after.timeline.at(-1)!.id }]);
    });

    it('keeps attachment metadata on drafts and open tickets', async () => {
      const draft = await tickets.createDraft(alice.actor, draftFields(alice));
      const file = { name: 'screen.png', contentType: 'image/png', size: 1234, url: 'blob:abc' };
      const a = await tickets.addAttachment(alice.actor, draft.id, file);
      expect(a).toMatchObject(file);
      await expect(tickets.addAttachment(alice.actor, draft.id, { ...file, size: -1 })).rejects.toMatchObject(
        {
          details: { field: 'size' },
        },
      );
      await expect(tickets.addAttachment(bob.actor, draft.id, file)).rejects.toMatchObject({
        kind: 'not_found',
      });
      const { ticket } = await tickets.submit(alice.actor, draft.id);
      expect(ticket.attachments).toEqual([{ id: a.id, ...file }]);
    });
  });

  describe('lists (F6)', () => {
    let me: TestCustomer;
    let made: string[];
    const times = Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(2031, 0, 1, 8, 0, i)));

    beforeAll(async () => {
      me = await createCustomer(ctx.db, org);
      made = [];
      for (const [i, at] of times.entries()) {
        const clocked = new DbTicketService(ctx.db, { categories: CATEGORIES, now: () => at });
        const d = await clocked.createDraft(me.actor, draftFields(me, { title: `#${i}` }));
        if (i % 4 !== 3) await clocked.submit(me.actor, d.id);
        made.push(d.id);
      }
      // Two tickets created in the same millisecond: the id breaks the tie.
      const same = new DbTicketService(ctx.db, { categories: CATEGORIES, now: () => times[11]! });
      for (let i = 0; i < 2; i++) {
        const d = await same.createDraft(me.actor, draftFields(me, { title: `same ${i}` }));
        await same.submit(me.actor, d.id);
        made.push(d.id);
      }
      await staff.accept(await createStaff(ctx.db), made[0]!);
    });

    const all = async (query: Parameters<DbTicketService['list']>[1]) => {
      const seen: TicketSummary[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await tickets.list(me.actor, { ...query, cursor });
        expect(page.items.length).toBeLessThanOrEqual(query.limit ?? 5);
        seen.push(...page.items);
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      return { seen, pages };
    };

    it('pages "mine" newest first with a cursor, excluding drafts, default 5 per page', async () => {
      const { seen, pages } = await all({ scope: 'mine' });
      expect(seen).toHaveLength(11); // 12 + 2 minus 3 drafts
      expect(pages).toBe(3);
      const keys = seen.map((s) => [s.createdAt.getTime(), s.id] as const);
      const sorted = [...keys].sort((a, b) => b[0] - a[0] || (b[1] > a[1] ? 1 : -1));
      expect(keys).toEqual(sorted);
      expect(new Set(seen.map((s) => s.id)).size).toBe(11);
      expect(seen.every((s) => s.status !== 'draft' && s.number)).toBe(true);
    });

    it('lists drafts separately, and filters by one or several statuses', async () => {
      expect((await all({ scope: 'drafts', limit: 2 })).seen.map((s) => s.title)).toEqual([
        '#11',
        '#7',
        '#3',
      ]);
      expect((await all({ scope: 'mine', status: 'in_progress' })).seen.map((s) => s.id)).toEqual([made[0]]);
      expect((await all({ scope: 'mine', status: ['waiting', 'in_progress'], limit: 50 })).seen).toHaveLength(
        11,
      );
      expect((await all({ scope: 'mine', status: 'closed' })).seen).toHaveLength(0);
    });

    it('caps the page at 50 and rejects bad cursors, limits and statuses', async () => {
      const page = await tickets.list(me.actor, { scope: 'mine', limit: 500 });
      expect(page.items).toHaveLength(11);
      await expect(tickets.list(me.actor, { scope: 'mine', cursor: 'garbage' })).rejects.toMatchObject({
        details: { field: 'cursor' },
      });
      await expect(tickets.list(me.actor, { scope: 'mine', limit: 0 })).rejects.toMatchObject({
        details: { field: 'limit' },
      });
      await expect(tickets.list(me.actor, { scope: 'mine', status: 'lost' as never })).rejects.toMatchObject({
        details: { field: 'status' },
      });
    });

    it('"all" for the organization-wide identity covers the whole organization, never other organizations', async () => {
      const { seen } = await (async () => {
        const out: TicketSummary[] = [];
        let cursor: string | undefined;
        do {
          const page = await tickets.list(boss.actor, { scope: 'all', limit: 50, cursor });
          out.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        return { seen: out };
      })();
      const ids = new Set(seen.map((s) => s.id));
      for (const id of made.filter((_, i) => i >= 12 || i % 4 !== 3)) expect(ids.has(id)).toBe(true);
      const { rows } = await ctx.db.query<{ n: number }>(
        `select count(*) as n from tickets where organization_id = $1 and status <> 'draft'`,
        [org],
      );
      expect(ids.size).toBe(rows[0]!.n);
      const strangers = await tickets.list(stranger.actor, { scope: 'all', limit: 50 });
      expect(strangers.items.some((s) => ids.has(s.id))).toBe(false);
    });
  });
});
