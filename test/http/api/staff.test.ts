import { drivers } from '../../support/db';
import { type ApiHarness, expectProblem, startApi } from './harness';

for (const driver of drivers) {
  describe(`staff API: staff directory and tokens [${driver}]`, () => {
    let api: ApiHarness;

    beforeAll(async () => {
      api = await startApi(driver);
    });
    afterAll(async () => {
      await api.stop();
    });

    it('tells a token who it is', async () => {
      const me = await api.call('GET', '/api/v1/me', { token: api.agent.token });
      expect(me.status).toBe(200);
      expect(me.json.staff).toMatchObject({ id: api.agent.staffId, role: 'agent', name: 'Agent One' });
    });

    it('creates, lists, gets and updates staff with chat ids and alert preferences', async () => {
      const created = await api.call('POST', '/api/v1/staff', {
        body: {
          name: '王芳',
          email: 'Wang@Example.com',
          wecomUserId: 'wangfang',
          teamsUserId: '29:abc',
          alertRating: false,
        },
      });
      expect(created.status).toBe(201);
      expect(created.json).toEqual({
        id: expect.any(String),
        name: '王芳',
        email: 'wang@example.com',
        phone: null,
        role: 'agent',
        wecomUserId: 'wangfang',
        teamsUserId: '29:abc',
        alertNewTicket: true,
        alertRating: false,
        active: true,
      });
      const id = created.json.id;

      const list = await api.call('GET', '/api/v1/staff', { token: api.agent.token });
      expect(list.json.items.map((s: { id: string }) => s.id)).toContain(id);
      expect(
        (await api.call('GET', `/api/v1/staff/${id}`, { token: api.agent.token })).json.wecomUserId,
      ).toBe('wangfang');

      const updated = await api.call('PATCH', `/api/v1/staff/${id}`, {
        body: { alertNewTicket: false, teamsUserId: null, role: 'admin' },
      });
      expect(updated.status).toBe(200);
      expect(updated.json).toMatchObject({
        alertNewTicket: false,
        teamsUserId: null,
        role: 'admin',
        wecomUserId: 'wangfang',
      });
    });

    it('refuses bad staff input, duplicates of chat ids, unknown members and agents writing', async () => {
      expectProblem(
        await api.call('POST', '/api/v1/staff', { body: { name: 'X', role: 'boss' } }),
        400,
        'invalid-request',
      );
      const email = await api.call('POST', '/api/v1/staff', { body: { name: 'X', email: 'nope' } });
      expectProblem(email, 400);
      expect(email.json.errors).toEqual([{ in: 'body', field: 'email', message: 'an email address' }]);
      expectProblem(
        await api.call('PATCH', `/api/v1/staff/${api.agent.staffId}`, { body: {} }),
        400,
        'invalid-request',
      );

      await api.call('POST', '/api/v1/staff', { body: { name: 'A', wecomUserId: 'dup-id' } });
      const dup = await api.call('POST', '/api/v1/staff', { body: { name: 'B', wecomUserId: 'dup-id' } });
      expectProblem(dup, 409, 'conflict');
      expect(dup.json).toMatchObject({ code: 'wecom_user_id_taken', errors: [{ field: 'wecomUserId' }] });

      const missing = '6f1c7d1e-0000-4000-8000-000000000000';
      expectProblem(await api.call('GET', `/api/v1/staff/${missing}`), 404, 'not-found');
      expectProblem(
        await api.call('PATCH', `/api/v1/staff/${missing}`, { body: { name: 'Z' } }),
        404,
        'not-found',
      );

      expectProblem(
        await api.call('POST', '/api/v1/staff', { token: api.agent.token, body: { name: 'X' } }),
        403,
        'forbidden',
      );
      // Even on their own entry: directory writes are for admins.
      expectProblem(
        await api.call('PATCH', `/api/v1/staff/${api.agent.staffId}`, {
          token: api.agent.token,
          body: { role: 'admin' },
        }),
        403,
        'forbidden',
      );
    });

    it('issues tokens (admin only), and a revoked token is refused at once', async () => {
      const member = (await api.call('POST', '/api/v1/staff', { body: { name: 'Token Holder' } })).json;

      const byAgent = await api.call('POST', `/api/v1/staff/${member.id}/tokens`, {
        token: api.agent.token,
        body: {},
      });
      expectProblem(byAgent, 403, 'forbidden');
      expect(byAgent.json.code).toBe('admin_required');
      const ownByAgent = await api.call('POST', `/api/v1/staff/${api.agent.staffId}/tokens`, {
        token: api.agent.token,
      });
      expectProblem(ownByAgent, 403, 'forbidden');

      const issued = await api.call('POST', `/api/v1/staff/${member.id}/tokens`, {
        body: { label: 'crm bot' },
      });
      expect(issued.status).toBe(201);
      expect(issued.json).toEqual({ id: expect.any(String), token: expect.stringMatching(/^hd_/) });
      const { rows } = await api.db.query<{ token_hash: string; label: string }>(
        'select token_hash, label from staff_tokens where id = $1',
        [issued.json.id],
      );
      expect(rows[0]!.label).toBe('crm bot');
      expect(rows[0]!.token_hash).not.toContain(issued.json.token);

      const me = await api.call('GET', '/api/v1/me', { token: issued.json.token });
      expect(me.json.staff.id).toBe(member.id);

      expectProblem(
        await api.call('DELETE', `/api/v1/staff-tokens/${issued.json.id}`, { token: api.agent.token }),
        403,
      );
      const revoked = await api.call('DELETE', `/api/v1/staff-tokens/${issued.json.id}`);
      expect(revoked.status).toBe(204);
      const refused = await api.call('GET', '/api/v1/me', { token: issued.json.token });
      expectProblem(refused, 401, 'unauthenticated');
      expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect((await api.call('DELETE', `/api/v1/staff-tokens/${issued.json.id}`)).status).toBe(204);
      expectProblem(
        await api.call('DELETE', '/api/v1/staff-tokens/6f1c7d1e-0000-4000-8000-000000000000'),
        404,
      );
      expectProblem(await api.call('POST', '/api/v1/staff/6f1c7d1e-0000-4000-8000-000000000000/tokens'), 404);
    });

    it('refuses tokens of a deactivated member, and no token for them', async () => {
      const member = (await api.call('POST', '/api/v1/staff', { body: { name: 'Leaver' } })).json;
      const { token } = (await api.call('POST', `/api/v1/staff/${member.id}/tokens`)).json;
      expect((await api.call('GET', '/api/v1/me', { token })).status).toBe(200);
      await api.call('PATCH', `/api/v1/staff/${member.id}`, { body: { active: false } });
      expectProblem(await api.call('GET', '/api/v1/me', { token }), 401, 'unauthenticated');
      const none = await api.call('POST', `/api/v1/staff/${member.id}/tokens`);
      expectProblem(none, 409, 'invalid-state');
      expect(none.json.code).toBe('staff_inactive');
    });
  });
}
