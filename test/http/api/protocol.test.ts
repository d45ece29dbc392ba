import IORedis from 'ioredis';
import { drivers } from '../../support/db';
import { type ApiHarness, expectProblem, rowCounts, startApi } from './harness';

const phone = () => `+86137${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

for (const driver of drivers) {
  describe(`staff API: HTTP protocol, errors, idempotency [${driver}]`, () => {
    let api: ApiHarness;
    let org: string;

    beforeAll(async () => {
      api = await startApi(driver);
      org = (await api.call('POST', '/api/v1/organizations', { body: { name: 'Proto' } })).json.id;
    });
    afterAll(async () => {
      await api.stop();
    });

    it('answers 401 without, with a malformed or with an unknown token', async () => {
      const none = await api.call('GET', '/api/v1/me', { token: null });
      expectProblem(none, 401, 'unauthenticated');
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="helpdesk-staff"');
      const basic = await api.call('GET', '/api/v1/me', {
        token: null,
        headers: { authorization: 'Basic dTpw' },
      });
      expectProblem(basic, 401, 'unauthenticated');
      expect(basic.headers.get('www-authenticate')).toContain('invalid_request');
      const unknown = await api.call('GET', '/api/v1/me', { token: `hd_${'A'.repeat(43)}` });
      expectProblem(unknown, 401, 'unauthenticated');
      expect(unknown.json.instance).toMatch(/^urn:request:/);
    });

    it('answers 404 for unknown routes and 405 with Allow for a wrong method', async () => {
      expectProblem(await api.call('GET', '/api/v1/nothing-here'), 404, 'not-found');
      const wrong = await api.call('PUT', '/api/v1/organizations');
      expectProblem(wrong, 405, 'method-not-allowed');
      expect(wrong.headers.get('allow')).toBe('POST, GET, HEAD');
      const del = await api.call('DELETE', `/api/v1/tickets/T20990101-0001/accept`);
      expectProblem(del, 405);
      expect(del.headers.get('allow')).toBe('POST');
    });

    it('answers 400 for malformed JSON, 413 for a large body, 415 for another content type', async () => {
      const malformed = await api.call('POST', '/api/v1/organizations', {
        raw: '{"name": "x",',
        contentType: 'application/json',
      });
      expectProblem(malformed, 400, 'malformed-json');
      expect(malformed.text).not.toMatch(/Unexpected|SyntaxError|at /);
      expectProblem(
        await api.call('POST', '/api/v1/organizations', {
          raw: '"just a string"',
          contentType: 'application/json',
        }),
        400,
        'malformed-json',
      );
      expectProblem(
        await api.call('POST', '/api/v1/organizations', { raw: '[1,2]', contentType: 'application/json' }),
        400,
        'invalid-request',
      );

      const big = await api.call('POST', '/api/v1/organizations', { body: { name: 'x'.repeat(70 * 1024) } });
      expectProblem(big, 413, 'payload-too-large');

      expectProblem(
        await api.call('POST', '/api/v1/organizations', {
          raw: 'name=x',
          contentType: 'application/x-www-form-urlencoded',
        }),
        415,
        'unsupported-media-type',
      );
      expectProblem(
        await api.call('POST', '/api/v1/organizations', { raw: '{"name":"x"}', contentType: 'text/plain' }),
        415,
      );
      expectProblem(
        await api.call('POST', '/api/v1/organizations', {
          raw: '{"name":"x"}',
          contentType: 'application/json; charset=latin1',
        }),
        415,
      );
      // A body where none is expected is refused, not ignored.
      const withBody = await api.call('DELETE', '/api/v1/staff-tokens/6f1c7d1e-0000-4000-8000-000000000000', {
        body: { x: 1 },
      });
      expectProblem(withBody, 400, 'invalid-request');
    });

    it('sets helmet headers and no CORS headers', async () => {
      const res = await api.call('GET', '/api/v1/me', { headers: { origin: 'https://evil.example' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('strict-transport-security')).toBeTruthy();
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(`${api.url}/api/v1/organizations`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('replays an account creation for the same Idempotency-Key: one account, one credentials message', async () => {
      const body = {
        phone: phone(),
        name: 'Retry',
        identities: [{ organizationId: org, displayName: 'Retry' }],
      };
      const headers = { 'idempotency-key': 'open-retry-1' };
      const before = await rowCounts(api.db);
      const first = await api.call('POST', '/api/v1/accounts', { body, headers });
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      // Same request, keys in another order: the same request.
      const reordered = { identities: body.identities, name: body.name, phone: body.phone };
      const second = await api.call('POST', '/api/v1/accounts', { body: reordered, headers });
      expect(second.status).toBe(201);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(second.json).toEqual(first.json);

      const after = await rowCounts(api.db);
      expect(after.accounts).toBe(before.accounts! + 1);
      expect(after.idempotency_keys).toBe(before.idempotency_keys! + 1);
      const { rows } = await api.db.query(
        `select id from outbox where topic = 'account.credentials' and payload->>'accountId' = $1`,
        [first.json.account.id],
      );
      expect(rows).toHaveLength(1);
      const stored = await api.db.query<{ body: unknown }>(
        'select body from idempotency_keys where key = $1',
        ['open-retry-1'],
      );
      expect(JSON.stringify(stored.rows[0]!.body)).not.toMatch(/"(password|secret)"/i);

      const other = await api.call('POST', '/api/v1/accounts', { body: { ...body, name: 'Other' }, headers });
      expectProblem(other, 422, 'idempotency-key-mismatch');
      // Keys belong to one staff member: another admin's same key is a new request (the login is taken).
      const { token } = await api.ctx.services.staff.issueToken('system', api.admin.staffId);
      expect((await api.call('POST', '/api/v1/accounts', { token, body, headers })).status).toBe(201);
    });

    it('creates once when retries with one key race', async () => {
      const body = {
        email: `race${Date.now()}@example.com`,
        name: 'Race',
        identities: [{ organizationId: org, displayName: 'Race' }],
      };
      const headers = { 'idempotency-key': `race-${Date.now()}` };
      const results = await Promise.all(
        Array.from({ length: 6 }, () => api.call('POST', '/api/v1/accounts', { body, headers })),
      );
      for (const r of results) {
        if (r.status === 409) {
          expectProblem(r, 409, 'idempotency-key-in-use');
          expect(r.headers.get('retry-after')).toBe('1');
        } else expect(r.status).toBe(201);
      }
      const ids = new Set(results.filter((r) => r.status === 201).map((r) => r.json.account.id));
      expect(ids.size).toBe(1);
      const { rows } = await api.db.query(`select id from accounts where email = $1`, [body.email]);
      expect(rows).toHaveLength(1);
      const outbox = await api.db.query(
        `select id from outbox where topic = 'account.credentials' and payload->>'accountId' = $1`,
        [rows[0]!.id],
      );
      expect(outbox.rows).toHaveLength(1);
    });

    it('frees the key when the request fails, and refuses a malformed key', async () => {
      const headers = { 'idempotency-key': 'fails-once' };
      const missingOrg = {
        phone: phone(),
        name: 'Later',
        identities: [{ organizationId: '6f1c7d1e-0000-4000-8000-000000000000', displayName: 'L' }],
      };
      expectProblem(await api.call('POST', '/api/v1/accounts', { body: missingOrg, headers }), 404);
      const { rows } = await api.db.query('select key from idempotency_keys where key = $1', ['fails-once']);
      expect(rows).toHaveLength(0);
      const fixed = { ...missingOrg, identities: [{ organizationId: org, displayName: 'L' }] };
      expect((await api.call('POST', '/api/v1/accounts', { body: fixed, headers })).status).toBe(201);

      const bad = await api.call('POST', '/api/v1/organizations', {
        body: { name: 'x' },
        headers: { 'idempotency-key': 'ü'.repeat(3) },
      });
      expectProblem(bad, 400, 'invalid-request');
      expect(bad.json.errors).toEqual([
        { in: 'header', field: 'Idempotency-Key', message: expect.any(String) },
      ]);
    });
  });

  describe(`staff API: rate limits [${driver}]`, () => {
    let api: ApiHarness;
    beforeAll(async () => {
      api = await startApi(driver, {
        rateLimits: { perToken: 3, failedAuthPerAddress: 2, perAddress: 2, windowSeconds: 3600 },
      });
    });
    afterAll(async () => {
      await api.stop();
    });

    it('limits each token per window in Redis under the prefix, with Retry-After', async () => {
      const statuses: number[] = [];
      let last = await api.call('GET', '/api/v1/me');
      statuses.push(last.status);
      expect(last.headers.get('ratelimit-limit')).toBe('3');
      expect(last.headers.get('ratelimit-remaining')).toBe('2');
      for (let i = 0; i < 3; i++) {
        last = await api.call('GET', '/api/v1/me');
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expectProblem(last, 429, 'rate-limited');
      const retry = Number(last.headers.get('retry-after'));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(3600);
      // Another token has its own budget.
      expect((await api.call('GET', '/api/v1/me', { token: api.agent.token })).status).toBe(200);

      const redis = new IORedis(api.ctx.config.REDIS_URL);
      try {
        const keys = await redis.keys(`${api.prefix}:rl:*`);
        expect(keys.length).toBeGreaterThanOrEqual(2);
        for (const key of keys) expect(key).not.toContain(api.admin.token);
      } finally {
        redis.disconnect();
      }
    });

    it('refuses an address that keeps sending bad tokens, and limits the public document per address', async () => {
      const bad = `hd_${'B'.repeat(43)}`;
      expectProblem(await api.call('GET', '/api/v1/me', { token: bad }), 401);
      expectProblem(await api.call('GET', '/api/v1/me', { token: bad }), 401);
      const refused = await api.call('GET', '/api/v1/me', { token: `hd_${'C'.repeat(43)}` });
      expectProblem(refused, 429, 'rate-limited');
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);

      expect((await api.call('GET', '/api/v1/openapi.json', { token: null })).status).toBe(200);
      expect((await api.call('GET', '/api/v1/openapi.json', { token: null })).status).toBe(200);
      expectProblem(await api.call('GET', '/api/v1/openapi.json', { token: null }), 429);
    });
  });
}
