import { drivers } from '../../support/db';
import { type ApiHarness, expectProblem, startApi } from './harness';

const uniqPhone = () => `+86139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

for (const driver of drivers) {
  describe(`staff API: organizations, accounts, identities [${driver}]`, () => {
    let api: ApiHarness;
    let orgA: string;
    let orgB: string;

    beforeAll(async () => {
      api = await startApi(driver);
    });
    afterAll(async () => {
      await api.stop();
    });

    const credentialRows = async (accountId: string) =>
      (
        await api.db.query<{ payload: { reason: string; secret: { password: string } } }>(
          `select payload from outbox where topic = 'account.credentials' and payload->>'accountId' = $1 order by id`,
          [accountId],
        )
      ).rows;

    it('creates, lists and gets organizations', async () => {
      const a = await api.call('POST', '/api/v1/organizations', { body: { name: '  Acme 上海  ' } });
      expect(a.status).toBe(201);
      expect(a.json).toEqual({ id: expect.any(String), name: 'Acme 上海' });
      orgA = a.json.id;
      orgB = (await api.call('POST', '/api/v1/organizations', { body: { name: 'Beta' } })).json.id;

      const list = await api.call('GET', '/api/v1/organizations', { token: api.agent.token });
      expect(list.status).toBe(200);
      expect(list.json.items.map((o: { name: string }) => o.name)).toEqual(
        expect.arrayContaining(['Acme 上海', 'Beta']),
      );

      const one = await api.call('GET', `/api/v1/organizations/${orgA}`, { token: api.agent.token });
      expect(one.json).toEqual({ id: orgA, name: 'Acme 上海' });
    });

    it('refuses bad organization input, unknown ids and agents creating', async () => {
      const empty = await api.call('POST', '/api/v1/organizations', { body: { name: '   ' } });
      expectProblem(empty, 400, 'invalid-request');
      expect(empty.json.errors).toEqual([{ in: 'body', field: 'name', message: 'must not be empty' }]);

      const extra = await api.call('POST', '/api/v1/organizations', { body: { name: 'X', evil: true } });
      expectProblem(extra, 400, 'invalid-request');

      const badId = await api.call('GET', '/api/v1/organizations/not-a-uuid');
      expectProblem(badId, 400, 'invalid-request');
      expect(badId.json.errors[0]).toMatchObject({ in: 'path', field: 'organizationId' });

      const missing = await api.call('GET', '/api/v1/organizations/6f1c7d1e-0000-4000-8000-000000000000');
      expectProblem(missing, 404, 'not-found');
      expect(missing.json.code).toBe('organization_not_found');

      const agent = await api.call('POST', '/api/v1/organizations', {
        token: api.agent.token,
        body: { name: 'X' },
      });
      expectProblem(agent, 403, 'forbidden');
    });

    it('opens an account (F1): credentials go through the outbox, never in the response', async () => {
      const phone = uniqPhone();
      const res = await api.call('POST', '/api/v1/accounts', {
        body: {
          phone,
          email: 'Li.Lei@Example.com',
          name: '李雷',
          locale: 'zh-CN',
          identities: [
            { organizationId: orgA, displayName: 'Li @ Acme', orgWide: true },
            { organizationId: orgB, displayName: 'Li @ Beta' },
          ],
        },
      });
      expect(res.status).toBe(201);
      expect(res.json.account).toMatchObject({
        phone,
        email: 'li.lei@example.com',
        name: '李雷',
        mustChangePassword: true,
        disabled: false,
        lockedUntil: null,
      });
      expect(res.json.identities).toHaveLength(2);
      expect(res.text).not.toMatch(/"(password|secret|passwordHash)"/i);
      const rows = await credentialRows(res.json.account.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.payload.reason).toBe('opened');
      expect(rows[0]!.payload.secret.password).toEqual(expect.any(String));
      expect(res.text).not.toContain(rows[0]!.payload.secret.password);

      const got = await api.call('GET', `/api/v1/accounts/${res.json.account.id}`, {
        token: api.agent.token,
      });
      expect(got.status).toBe(200);
      expect(got.json.account.id).toBe(res.json.account.id);
      expect(got.json.identities.map((i: { displayName: string }) => i.displayName).sort()).toEqual([
        'Li @ Acme',
        'Li @ Beta',
      ]);
      expect(got.json.bindings).toEqual([]);
    });

    it('refuses account input with the field at fault, duplicates and agents', async () => {
      const noLogin = await api.call('POST', '/api/v1/accounts', {
        body: { name: 'X', identities: [{ organizationId: orgA, displayName: 'X' }] },
      });
      expectProblem(noLogin, 400, 'invalid-request');
      expect(noLogin.json.errors).toEqual([
        { in: 'body', field: 'phone', message: 'a phone or an email is required' },
      ]);

      const badNested = await api.call('POST', '/api/v1/accounts', {
        body: { phone: uniqPhone(), name: 'X', identities: [{ organizationId: 'nope', displayName: '' }] },
      });
      expectProblem(badNested, 400, 'invalid-request');
      expect(badNested.json.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'identities.0.displayName',
        'identities.0.organizationId',
      ]);

      const badPhone = await api.call('POST', '/api/v1/accounts', {
        body: { phone: '+0 123456', name: 'X', identities: [{ organizationId: orgA, displayName: 'X' }] },
      });
      expectProblem(badPhone, 400, 'invalid-request');
      expect(badPhone.json).toMatchObject({
        code: 'invalid_phone',
        errors: [{ in: 'body', field: 'phone' }],
      });

      const phone = uniqPhone();
      const body = { phone, name: 'Dup', identities: [{ organizationId: orgA, displayName: 'Dup' }] };
      expect((await api.call('POST', '/api/v1/accounts', { body })).status).toBe(201);
      const dup = await api.call('POST', '/api/v1/accounts', {
        body: { ...body, phone: phone.replace('+86', '') },
      });
      expectProblem(dup, 409, 'conflict');
      expect(dup.json).toMatchObject({ code: 'login_taken', errors: [{ field: 'phone' }] });

      const agent = await api.call('POST', '/api/v1/accounts', { token: api.agent.token, body });
      expectProblem(agent, 403, 'forbidden');
    });

    it('resets the password (a new credentials message), locks, unlocks and revokes bindings', async () => {
      const opened = await api.call('POST', '/api/v1/accounts', {
        body: {
          email: `han${Date.now()}@example.com`,
          name: 'Han',
          identities: [{ organizationId: orgA, displayName: 'Han' }],
        },
      });
      const id = opened.json.account.id as string;

      const reset = await api.call('POST', `/api/v1/accounts/${id}/password-reset`);
      expect(reset.status).toBe(202);
      expect(reset.json.account.mustChangePassword).toBe(true);
      const rows = await credentialRows(id);
      expect(rows.map((r) => r.payload.reason)).toEqual(['opened', 'reset']);
      expect(rows[1]!.payload.secret.password).not.toBe(rows[0]!.payload.secret.password);

      const lock = await api.call('POST', `/api/v1/accounts/${id}/lock`);
      expect(lock.status).toBe(200);
      expect(lock.json.disabled).toBe(true);
      const unlock = await api.call('POST', `/api/v1/accounts/${id}/unlock`);
      expect(unlock.json.disabled).toBe(false);

      // A chat user signed in on the account, then signed out by staff.
      await api.db.query(
        `insert into chat_bindings (channel, chat_user_id, account_id, active_identity_id, bound_at)
         values ('web', $1, $2, $3, now())`,
        [`web-${id}`, id, opened.json.identities[0].id],
      );
      const before = await api.call('GET', `/api/v1/accounts/${id}`);
      expect(before.json.bindings).toEqual([
        { channel: 'web', activeIdentityId: opened.json.identities[0].id, reachable: true, locale: null },
      ]);
      expect(before.text).not.toContain(`web-${id}`);
      const revoke = await api.call('DELETE', `/api/v1/accounts/${id}/bindings`);
      expect(revoke.status).toBe(200);
      expect(revoke.json).toEqual({ revoked: 1 });
      expect((await api.call('GET', `/api/v1/accounts/${id}`)).json.bindings).toEqual([]);

      for (const path of ['password-reset', 'lock', 'unlock']) {
        expectProblem(
          await api.call('POST', `/api/v1/accounts/${id}/${path}`, { token: api.agent.token }),
          403,
          'forbidden',
        );
        expectProblem(
          await api.call('POST', `/api/v1/accounts/6f1c7d1e-0000-4000-8000-000000000000/${path}`),
          404,
          'not-found',
        );
      }
      expectProblem(
        await api.call('DELETE', '/api/v1/accounts/6f1c7d1e-0000-4000-8000-000000000000/bindings'),
        404,
      );
      expectProblem(await api.call('GET', '/api/v1/accounts/6f1c7d1e-0000-4000-8000-000000000000'), 404);
    });

    it('adds, lists and unbinds identities', async () => {
      const opened = await api.call('POST', '/api/v1/accounts', {
        body: {
          phone: uniqPhone(),
          name: 'Mei',
          identities: [{ organizationId: orgA, displayName: 'Mei A' }],
        },
      });
      const id = opened.json.account.id as string;
      const added = await api.call('POST', `/api/v1/accounts/${id}/identities`, {
        body: { organizationId: orgB, displayName: 'Mei B', orgWide: true },
      });
      expect(added.status).toBe(201);
      expect(added.json).toMatchObject({
        accountId: id,
        organizationId: orgB,
        organizationName: 'Beta',
        orgWide: true,
      });

      const list = await api.call('GET', `/api/v1/accounts/${id}/identities`, { token: api.agent.token });
      expect(list.json.items).toHaveLength(2);

      const unbind = await api.call('DELETE', `/api/v1/identities/${added.json.id}`);
      expect(unbind.status).toBe(204);
      expect(unbind.text).toBe('');
      expect((await api.call('GET', `/api/v1/accounts/${id}/identities`)).json.items).toHaveLength(1);

      const again = await api.call('DELETE', `/api/v1/identities/${added.json.id}`);
      expectProblem(again, 409, 'invalid-state');
      expect(again.json.code).toBe('identity_already_unbound');

      const unknownOrg = await api.call('POST', `/api/v1/accounts/${id}/identities`, {
        body: { organizationId: '6f1c7d1e-0000-4000-8000-000000000000', displayName: 'Nobody' },
      });
      expectProblem(unknownOrg, 404, 'not-found');
      expect(unknownOrg.json.code).toBe('organization_not_found');
      expectProblem(
        await api.call('POST', `/api/v1/accounts/${id}/identities`, {
          token: api.agent.token,
          body: { organizationId: orgB, displayName: 'Mei B' },
        }),
        403,
      );
      expectProblem(
        await api.call('DELETE', `/api/v1/identities/${added.json.id}`, { token: api.agent.token }),
        403,
      );
    });
  });
}
