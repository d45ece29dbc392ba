import { drivers } from '../../support/db';
import type { TestCustomer } from '../../support/fixtures';
import { createCustomer, createOrganization, draftFields } from '../../support/fixtures';
import { type ApiHarness, expectProblem, startApi } from './harness';

for (const driver of drivers) {
  describe(`staff API: tickets and ratings [${driver}]`, () => {
    let api: ApiHarness;
    let org: string;
    let customer: TestCustomer;

    beforeAll(async () => {
      api = await startApi(driver);
      org = await createOrganization(api.db, 'Ticket Org');
      customer = await createCustomer(api.db, org);
    });
    afterAll(async () => {
      await api.stop();
    });

    const submit = async (overrides: Parameters<typeof draftFields>[1] = {}) => {
      const draft = await api.ctx.services.tickets.createDraft(
        customer.actor,
        draftFields(customer, overrides),
      );
      return (await api.ctx.services.tickets.submit(customer.actor, draft.id)).ticket;
    };

    it('lists the queue in order with positions, per queue and paged', async () => {
      const low = await submit({ priority: 'low', category: 'billing' });
      const urgent = await submit({ priority: 'urgent', category: 'billing' });
      const other = await submit({ priority: 'normal', category: 'account' });

      const billing = await api.call('GET', '/api/v1/queue?queue=billing', { token: api.agent.token });
      expect(billing.status).toBe(200);
      expect(billing.json.items.map((t: { id: string; position: number }) => [t.id, t.position])).toEqual([
        [urgent.id, 1],
        [low.id, 2],
      ]);
      expect(billing.json.items[0]).toMatchObject({
        queue: 'billing',
        status: 'waiting',
        number: urgent.number,
      });

      const first = await api.call('GET', '/api/v1/queue?limit=1');
      expect(first.json.items).toHaveLength(1);
      expect(first.json.nextCursor).toEqual(expect.any(String));
      const next = await api.call(
        'GET',
        `/api/v1/queue?limit=1&cursor=${encodeURIComponent(first.json.nextCursor)}`,
      );
      expect(next.json.items[0].id).not.toBe(first.json.items[0].id);
      expect(
        (await api.call('GET', '/api/v1/queue?queue=account')).json.items.map((t: { id: string }) => t.id),
      ).toEqual([other.id]);

      const badLimit = await api.call('GET', '/api/v1/queue?limit=0');
      expectProblem(badLimit, 400, 'invalid-request');
      expect(badLimit.json.errors[0]).toMatchObject({ in: 'query', field: 'limit' });
      const badCursor = await api.call('GET', '/api/v1/queue?cursor=garbage');
      expectProblem(badCursor, 400, 'invalid-request');
      expect(badCursor.json).toMatchObject({
        code: 'invalid_cursor',
        errors: [{ in: 'query', field: 'cursor' }],
      });
      expectProblem(await api.call('GET', '/api/v1/queue?queue=Not%20A%20Queue'), 400);
      expectProblem(await api.call('GET', '/api/v1/queue?unknown=1'), 400);
    });

    it('takes a ticket through accept, reply, resolve, close and reopen, recording the staff member', async () => {
      const ticket = await submit();
      const base = `/api/v1/tickets/${ticket.id}`;
      const agent = { token: api.agent.token };

      const accepted = await api.call('POST', `${base}/accept`, agent);
      expect(accepted.status).toBe(200);
      expect(accepted.json).toMatchObject({
        status: 'in_progress',
        acceptedBy: { id: api.agent.staffId, name: 'Agent One' },
      });

      const again = await api.call('POST', `${base}/accept`, agent);
      expectProblem(again, 409, 'invalid-state');
      expect(again.json).toMatchObject({ code: 'ticket_not_waiting', currentStatus: 'in_progress' });

      const replied = await api.call('POST', `${base}/replies`, { ...agent, body: { text: '我们正在处理' } });
      expect(replied.status).toBe(200);
      const resolved = await api.call('POST', `${base}/resolve`, {
        ...agent,
        body: { resolution: 'Replaced the fuser.' },
      });
      expect(resolved.json).toMatchObject({ status: 'resolved', resolution: 'Replaced the fuser.' });

      // By number as well as by id; the timeline names who did what.
      const got = await api.call('GET', `/api/v1/tickets/${ticket.number!.toLowerCase()}`, agent);
      expect(got.status).toBe(200);
      const staffEvents = got.json.timeline.filter((e: { actorType: string }) => e.actorType === 'staff');
      expect(staffEvents.map((e: { kind: string; actorName: string }) => [e.kind, e.actorName])).toEqual([
        ['accepted', 'Agent One'],
        ['staff_reply', 'Agent One'],
        ['resolved', 'Agent One'],
      ]);

      const closed = await api.call('POST', `${base}/close`, { token: api.admin.token });
      expect(closed.json.status).toBe('closed');
      const reopened = await api.call('POST', `${base}/reopen`, {
        ...agent,
        body: { reason: 'customer called back' },
      });
      expect(reopened.json.status).toBe('in_progress');
      expect(reopened.json.timeline.at(-1)).toMatchObject({ kind: 'reopened', actorName: 'Agent One' });

      const outbox = await api.db.query<{ change: string }>(
        `select payload->>'change' as change from outbox where topic = 'ticket.changed' and payload->>'ticketId' = $1 order by id`,
        [ticket.id],
      );
      expect(outbox.rows.map((r) => r.change)).toEqual([
        'accepted',
        'replied',
        'resolved',
        'closed',
        'reopened',
      ]);
    });

    it('refuses invalid transitions, empty texts and unknown tickets', async () => {
      const ticket = await submit();
      const base = `/api/v1/tickets/${ticket.id}`;
      const notInProgress = await api.call('POST', `${base}/resolve`, { body: { resolution: 'x' } });
      expectProblem(notInProgress, 409, 'invalid-state');
      expect(notInProgress.json.currentStatus).toBe('waiting');
      expectProblem(await api.call('POST', `${base}/replies`, { body: { text: 'x' } }), 409);
      expectProblem(await api.call('POST', `${base}/reopen`), 409);

      const empty = await api.call('POST', `${base}/replies`, { body: { text: '  ' } });
      expectProblem(empty, 400, 'invalid-request');
      expect(empty.json.errors).toEqual([{ in: 'body', field: 'text', message: 'must not be empty' }]);
      expectProblem(await api.call('POST', `${base}/resolve`, { body: {} }), 400);
      expectProblem(
        await api.call('POST', `${base}/resolve`, { body: { resolution: 'x'.repeat(5001) } }),
        400,
      );
      expectProblem(await api.call('POST', `${base}/accept`, { body: { force: true } }), 400);

      expectProblem(
        await api.call('GET', '/api/v1/tickets/6f1c7d1e-0000-4000-8000-000000000000'),
        404,
        'not-found',
      );
      expectProblem(await api.call('GET', '/api/v1/tickets/T20990101-9999'), 404, 'not-found');
      expectProblem(
        await api.call('POST', '/api/v1/tickets/6f1c7d1e-0000-4000-8000-000000000000/accept'),
        404,
      );
      const badRef = await api.call('GET', '/api/v1/tickets/DROP%20TABLE');
      expectProblem(badRef, 400, 'invalid-request');
      expect(badRef.json.errors[0]).toMatchObject({ in: 'path', field: 'ticket' });

      // A draft is not the staff's business.
      const draft = await api.ctx.services.tickets.createDraft(customer.actor, draftFields(customer));
      expectProblem(await api.call('GET', `/api/v1/tickets/${draft.id}`), 404);
    });

    it('lists tickets by organization and status', async () => {
      const otherOrg = await createOrganization(api.db, 'Other Org');
      const otherCustomer = await createCustomer(api.db, otherOrg);
      const draft = await api.ctx.services.tickets.createDraft(
        otherCustomer.actor,
        draftFields(otherCustomer),
      );
      const theirs = (await api.ctx.services.tickets.submit(otherCustomer.actor, draft.id)).ticket;

      const byOrg = await api.call('GET', `/api/v1/tickets?organizationId=${otherOrg}`, {
        token: api.agent.token,
      });
      expect(byOrg.status).toBe(200);
      expect(byOrg.json.items.map((t: { id: string }) => t.id)).toEqual([theirs.id]);

      const waiting = await api.call('GET', `/api/v1/tickets?organizationId=${org}&status=waiting&limit=50`);
      expect(waiting.json.items.length).toBeGreaterThan(0);
      expect(waiting.json.items.every((t: { status: string }) => t.status === 'waiting')).toBe(true);
      const inProgress = await api.call('GET', '/api/v1/tickets?status=in_progress');
      expect(inProgress.json.items.every((t: { status: string }) => t.status === 'in_progress')).toBe(true);

      expectProblem(await api.call('GET', '/api/v1/tickets?status=draft'), 400, 'invalid-request');
      expectProblem(await api.call('GET', '/api/v1/tickets?organizationId=1'), 400, 'invalid-request');
      expectProblem(await api.call('GET', '/api/v1/tickets?status=waiting&status=closed'), 400);
    });

    it('lists ratings with low ratings first, or newest first', async () => {
      const rate = async (stars: number, comment?: string) => {
        const ticket = await submit();
        await api.ctx.services.staffTickets.accept(api.agent, ticket.id);
        await api.ctx.services.staffTickets.resolve(api.agent, ticket.id, 'done');
        await api.ctx.services.tickets.rate(customer.actor, ticket.id, stars, comment);
        return ticket;
      };
      const five = await rate(5, 'great');
      const one = await rate(1, '太慢了');
      const three = await rate(3);

      const low = await api.call('GET', '/api/v1/ratings', { token: api.agent.token });
      expect(low.status).toBe(200);
      expect(low.json.items.map((r: { ticketId: string }) => r.ticketId)).toEqual([
        one.id,
        three.id,
        five.id,
      ]);
      expect(low.json.items[0]).toMatchObject({
        stars: 1,
        comment: '太慢了',
        acceptedBy: 'Agent One',
        number: one.number,
      });

      const newest = await api.call('GET', '/api/v1/ratings?order=newest');
      expect(newest.json.items.map((r: { ticketId: string }) => r.ticketId)).toEqual([
        three.id,
        one.id,
        five.id,
      ]);

      const page1 = await api.call('GET', '/api/v1/ratings?limit=2');
      const page2 = await api.call(
        'GET',
        `/api/v1/ratings?limit=2&cursor=${encodeURIComponent(page1.json.nextCursor)}`,
      );
      expect([...page1.json.items, ...page2.json.items].map((r: { stars: number }) => r.stars)).toEqual([
        1, 3, 5,
      ]);
      expectProblem(await api.call('GET', '/api/v1/ratings?order=best'), 400, 'invalid-request');
    });

    it('needs a token for every ticket route', async () => {
      for (const [method, path] of [
        ['GET', '/api/v1/queue'],
        ['GET', '/api/v1/tickets'],
        ['GET', '/api/v1/ratings'],
        ['POST', '/api/v1/tickets/T20990101-0001/accept'],
      ] as const) {
        expectProblem(await api.call(method, path, { token: null }), 401, 'unauthenticated');
      }
    });
  });
}
