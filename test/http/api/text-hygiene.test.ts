import { type ApiHarness, rowCounts, startApi, waitingTicket } from './harness';

/**
 * Issue 10, item 4: text PostgreSQL cannot store exactly (U+0000, a lone UTF-16 surrogate) is refused
 * at the API boundary with a 400 naming the field, for every string of every body, path and query;
 * never a 500, never a row written.
 */

const BAD = ['a\u0000b', '\u0000', 'x\ud800', '\udfff y', '名\ud83d'];

/** Every string leaf of a body, as a path of keys/indexes. */
function stringPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, i]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  return [];
}

function withValue(body: unknown, path: (string | number)[], value: string): unknown {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

describe('staff API: NUL and lone surrogates', () => {
  let api: ApiHarness;
  let ids: { org: string; account: string; staff: string; ticket: string; number: string };

  beforeAll(async () => {
    api = await startApi('pglite', {
      rateLimits: { perToken: 1e9, perAddress: 1e9, failedAuthPerAddress: 1e9 },
    });
    const { organizationId, customer, ticket } = await waitingTicket(api);
    ids = {
      org: organizationId,
      account: customer.accountId,
      staff: api.agent.staffId,
      ticket: ticket.id,
      number: ticket.number,
    };
  });
  afterAll(async () => {
    await api.stop();
  });

  /** A valid request of each route that takes text. */
  const requests = () => [
    { method: 'POST', path: '/organizations', body: { name: 'Acme 有限公司' } },
    {
      method: 'POST',
      path: '/accounts',
      body: {
        phone: '+8613711112222',
        email: 'new.customer@example.com',
        name: '赵六',
        locale: 'zh-CN',
        identities: [{ organizationId: ids.org, displayName: '赵六（Acme）' }],
      },
    },
    {
      method: 'POST',
      path: `/accounts/${ids.account}/identities`,
      body: { organizationId: ids.org, displayName: 'Second contact' },
    },
    {
      method: 'POST',
      path: '/staff',
      body: {
        name: 'Agent Zhou',
        email: 'zhou@example.com',
        phone: '+8613000000000',
        wecomUserId: 'zhou',
        teamsUserId: '29:zhou',
      },
    },
    { method: 'PATCH', path: `/staff/${ids.staff}`, body: { name: 'Agent Renamed', phone: '123456' } },
    { method: 'POST', path: `/staff/${ids.staff}/tokens`, body: { label: 'console' } },
    { method: 'POST', path: `/tickets/${ids.ticket}/replies`, body: { text: 'We are on it' } },
    { method: 'POST', path: `/tickets/${ids.ticket}/resolve`, body: { resolution: 'Replaced the part' } },
    { method: 'POST', path: `/tickets/${ids.ticket}/reopen`, body: { reason: 'Still broken' } },
  ];

  it('every string of every body: 400 naming the field, nothing written', async () => {
    const before = await rowCounts(api.db);
    const failures: string[] = [];
    let checked = 0;
    for (const request of requests()) {
      for (const path of stringPaths(request.body)) {
        for (const bad of BAD) {
          const res = await api.call(request.method, `/api/v1${request.path}`, {
            token: api.admin.token,
            body: withValue(request.body, path, bad),
          });
          checked += 1;
          const where = `${request.method} ${request.path} ${path.join('.')}=${JSON.stringify(bad)} -> ${res.status}`;
          if (res.status !== 400) failures.push(`${where} ${res.text.slice(0, 200)}`);
          else if (!JSON.stringify(res.json.errors ?? []).includes(String(path.at(-1))))
            failures.push(`${where}: the field is not named: ${res.text.slice(0, 200)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(80);
    expect(await rowCounts(api.db)).toEqual(before);
  });

  it('path and query parameters with NUL or a lone surrogate: 4xx, never 500', async () => {
    const paths = [
      `/tickets/${encodeURIComponent('T2026\u00000101-0001')}`,
      `/accounts/${encodeURIComponent('\u0000')}`,
      '/accounts/%ED%A0%80',
      `/tickets?cursor=${encodeURIComponent('a\u0000')}`,
      '/tickets?cursor=%ED%A0%80',
      `/queue?queue=${encodeURIComponent('x\u0000')}`,
      `/ratings?cursor=${encodeURIComponent('\u0000')}`,
    ];
    for (const path of paths) {
      const res = await api.call('GET', `/api/v1${path}`, { token: api.admin.token });
      expect({ path, status: res.status >= 400 && res.status < 500 }).toEqual({ path, status: true });
    }
    expect((await api.call('GET', '/api/v1/me', { token: api.admin.token })).status).toBe(200);
  });

  it('the valid requests themselves are accepted (the test changes one field at a time)', async () => {
    for (const request of requests().slice(0, 3)) {
      const res = await api.call(request.method, `/api/v1${request.path}`, {
        token: api.admin.token,
        body: request.body,
      });
      expect({ path: request.path, status: res.status }).toEqual({ path: request.path, status: 201 });
    }
  });
});
