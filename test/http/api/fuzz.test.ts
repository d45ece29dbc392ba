import { STAFF_API_ROUTES } from '../../../http/api';
import { type ApiHarness, rowCounts, startApi, waitingTicket } from './harness';

/**
 * Thousands of malformed requests (seeded, so a failure replays with FUZZ_SEED=<seed>): every answer
 * is a 4xx problem document, the server stays up, and not one row is written.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const COUNT = Number(process.env.FUZZ_COUNT ?? 2500);

/** mulberry32: small, fast, good enough to pick test inputs reproducibly. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  return { next, int, pick };
}

type Rng = ReturnType<typeof prng>;

const WEIRD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '../../etc/passwd',
  "'; drop table accounts; --",
  '<script>alert(1)</script>',
  '%00',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '\ud800',
  'x'.repeat(6000),
  '1e309',
  '-0',
  'NaN',
  'null',
  'true',
  '00000000-0000-0000-0000-000000000000',
  'T2026-0001',
  '__proto__',
  'constructor',
];

function junkValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 3 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return rng.next() < 0.5;
    case 2:
      return rng.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, 6, 51]);
    case 3:
      return rng.pick(WEIRD_STRINGS);
    case 4:
      return rng
        .next()
        .toString(36)
        .slice(2, 2 + rng.int(12));
    case 5:
      return rng.pick(['agent', 'admin', 'urgent', 'waiting', 'zh-CN', '+8613800138000', 'a@b.co']);
    case 6:
      return Array.from({ length: rng.int(4) }, () => junkValue(rng, depth + 1));
    default:
      return junkObject(rng, depth + 1);
  }
}

const FIELD_NAMES = [
  'name',
  'phone',
  'email',
  'identities',
  'organizationId',
  'displayName',
  'orgWide',
  'locale',
  'role',
  'wecomUserId',
  'teamsUserId',
  'alertNewTicket',
  'alertRating',
  'active',
  'label',
  'text',
  'resolution',
  'reason',
  '__proto__',
  'constructor',
  'prototype',
  'id',
  'status',
];

function junkObject(rng: Rng, depth = 0): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (let i = rng.int(5); i > 0; i--) {
    // An own property even for `__proto__`, so the JSON really carries that key.
    Object.defineProperty(object, rng.pick(FIELD_NAMES), {
      value: junkValue(rng, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return object;
}

/** A body that is certainly not acceptable: garbage bytes, a wrong type, or an unknown field. */
function malformedBody(rng: Rng): { raw: string | Buffer; contentType?: string } {
  switch (rng.int(9)) {
    case 0:
      return { raw: '{"name": "x",', contentType: 'application/json' };
    case 1:
      return { raw: Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x22]), contentType: 'application/json' };
    case 2:
      return { raw: `${'['.repeat(5000)}${']'.repeat(5000)}`, contentType: 'application/json' };
    case 3:
      return {
        raw: JSON.stringify({ name: 'x' }),
        contentType: rng.pick([
          'text/plain',
          'application/xml',
          'multipart/form-data',
          'application/x-www-form-urlencoded',
        ]),
      };
    case 4:
      return { raw: JSON.stringify({ name: 'x'.repeat(70_000) }), contentType: 'application/json' };
    case 5:
      return { raw: JSON.stringify(rng.pick([null, 1, 'text', true, []])), contentType: 'application/json' };
    case 6:
      return { raw: '{"__proto__": {"admin": true}, "name": "x"}', contentType: 'application/json' };
    default: {
      // Random fields, plus one no schema knows: never valid anywhere (every body schema is strict).
      const body = junkObject(rng);
      body[`zz_${rng.int(1e6)}`] = junkValue(rng);
      return {
        raw: JSON.stringify(body),
        contentType: rng.pick([
          'application/json',
          'application/json; charset=utf-8',
          'application/merge-patch+json',
        ]),
      };
    }
  }
}

/** Percent-encoding; a lone surrogate becomes an invalid UTF-8 sequence (itself a good input). */
const enc = (input: unknown) => {
  const value = typeof input === 'string' ? input : (JSON.stringify(input) ?? 'undefined');
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
};

function junkSegment(rng: Rng, known: string[]): string {
  const choice = rng.int(6);
  if (choice === 0) return rng.pick(known);
  if (choice === 1) return '6f1c7d1e-0000-4000-8000-00000000000' + rng.int(10);
  if (choice === 2) return `T2099010${rng.int(10)}-000${rng.int(10)}`;
  return enc(junkValue(rng)).slice(0, 300) || '%20';
}

function junkQuery(rng: Rng): string {
  const parts: string[] = [];
  for (let i = rng.int(4); i > 0; i--) {
    const key = rng.pick([
      'limit',
      'cursor',
      'queue',
      'status',
      'organizationId',
      'order',
      'x',
      'limit[]',
      'a[b]',
    ]);
    parts.push(`${encodeURIComponent(key)}=${enc(junkValue(rng)).slice(0, 500)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '?limit=0';
}

describe('staff API: fuzz', () => {
  let api: ApiHarness;
  const known: string[] = [];

  beforeAll(async () => {
    api = await startApi('pglite', {
      rateLimits: { perToken: 1e9, perAddress: 1e9, failedAuthPerAddress: 1e9 },
    });
    const { organizationId, customer, ticket } = await waitingTicket(api);
    known.push(
      organizationId,
      customer.accountId,
      customer.identityId,
      ticket.id,
      ticket.number,
      api.agent.staffId,
    );
  });
  afterAll(async () => {
    await api.stop();
  });

  it(`answers ${COUNT} malformed requests with 4xx problem documents and writes nothing (seed ${SEED})`, async () => {
    const rng = prng(SEED);
    const before = await rowCounts(api.db);
    const statusesBefore = (await api.db.query('select id, status from tickets order by id')).rows;
    const seenStatuses = new Map<number, number>();

    const one = async (i: number) => {
      const route = rng.pick(STAFF_API_ROUTES);
      const kind = rng.int(6);
      let method = route.method.toUpperCase();
      let path = route.path.replace(/:(\w+)/g, () => junkSegment(rng, known));
      let query = '';
      let body: { raw: string | Buffer; contentType?: string } | undefined;
      const headers: Record<string, string> = {};
      let token: string | null | undefined = rng.pick([api.admin.token, api.admin.token, api.agent.token]);

      // Each request is made wrong in at least one way that no handler may accept.
      if (kind === 0) {
        body = malformedBody(rng);
        if (method === 'GET') method = 'POST';
      } else if (kind === 1) {
        query = junkQuery(rng);
        if (!route.query) query = `?unexpected=${rng.int(100)}`;
      } else if (kind === 2) {
        path = route.path.replace(/:(\w+)/g, () => enc(rng.pick(WEIRD_STRINGS)) || '%00');
        if (!route.path.includes(':'))
          path = `${route.path}/${junkSegment(rng, known)}/${junkSegment(rng, known)}`;
        if (route.body) body = rng.next() < 0.5 ? malformedBody(rng) : undefined;
      } else if (kind === 3) {
        token = rng.pick([null, 'hd_short', `hd_${'Z'.repeat(43)}`, 'Bearer', ' ']);
        if (route.body) body = { raw: JSON.stringify(junkObject(rng)), contentType: 'application/json' };
      } else if (kind === 4) {
        // A method this path does not have (405); no body where fetch allows none.
        const allowed = STAFF_API_ROUTES.filter((r) => r.path === route.path).map((r) =>
          r.method.toUpperCase(),
        );
        method = rng.pick(
          ['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'POST', 'GET'].filter((m) => !allowed.includes(m)),
        );
        if (method !== 'GET' && method !== 'OPTIONS') body = malformedBody(rng);
      } else {
        headers['idempotency-key'] = rng.pick(['', 'ü', 'x'.repeat(201), 'a b']);
        body = malformedBody(rng);
        if (method === 'GET') method = 'POST';
      }
      if (rng.next() < 0.1 && route.role === 'admin') token = api.agent.token;

      const res = await api.call(method, `/api/v1${path}${query}`, {
        token: token === undefined ? null : token,
        raw: body?.raw,
        contentType: body?.contentType,
        headers,
      });
      seenStatuses.set(res.status, (seenStatuses.get(res.status) ?? 0) + 1);
      const where = `#${i} ${method} ${path}${query.slice(0, 80)} -> ${res.status} ${res.text.slice(0, 200)}`;
      if (res.status < 400 || res.status >= 500) throw new Error(`not a 4xx: ${where}`);
      if (!res.contentType.startsWith('application/problem+json')) throw new Error(`not a problem: ${where}`);
      if (
        res.json?.status !== res.status ||
        typeof res.json.type !== 'string' ||
        typeof res.json.title !== 'string'
      ) {
        throw new Error(`bad problem document: ${where}`);
      }
      if (/at \w+ \(|node_modules|SELECT |select .* from|stack/i.test(res.text))
        throw new Error(`internal detail leaked: ${where}`);
    };

    // Requests are generated in order (the seed decides everything) and sent 16 at a time.
    const batch = 16;
    for (let i = 0; i < COUNT; i += batch) {
      const jobs: Promise<void>[] = [];
      for (let j = i; j < Math.min(COUNT, i + batch); j++) jobs.push(one(j));
      await Promise.all(jobs);
    }

    expect(await rowCounts(api.db)).toEqual(before);
    expect((await api.db.query('select id, status from tickets order by id')).rows).toEqual(statusesBefore);
    // A spread of error kinds was exercised, not one shortcut.
    for (const status of [400, 401, 403, 404, 405, 413, 415])
      expect(seenStatuses.get(status) ?? 0).toBeGreaterThan(0);

    // Still up and serving.
    expect((await api.call('GET', '/api/v1/me')).status).toBe(200);
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  }, 240_000);
});
