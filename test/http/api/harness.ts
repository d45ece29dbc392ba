import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import IORedis from 'ioredis';
import type { AppContext } from '../../../app/context';
import { createApiDocs, createStaffApi, type StaffApiOptions } from '../../../http/api';
import { createHttpApp } from '../../../http/server';
import { loadConfig } from '../../../platform/config';
import { createLogger } from '../../../platform/logger';
import { createServices } from '../../../services';
import type { StaffActor } from '../../../services/contracts';
import type { Database } from '../../../services/db/database';
import { TEST_SCRYPT } from '../../../services/passwords';
import { createTestDatabase, type Driver } from '../../support/db';
import { createCustomer, createOrganization, draftFields } from '../../support/fixtures';

/**
 * The staff API on a real HTTP server (createHttpApp, as the app mounts it) over real services and
 * a fresh database, without the bot and workers: what the API tests need, started in milliseconds.
 */
export interface ApiHarness {
  url: string;
  ctx: AppContext;
  db: Database;
  prefix: string;
  /** An admin's and an agent's bearer tokens, created directly through the staff service. */
  admin: StaffActor & { token: string };
  agent: StaffActor & { token: string };
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  stop(): Promise<void>;
}

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  /** A raw body sent as is (with `contentType`). */
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  contentType: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected freely
  json: any;
  text: string;
}

export async function startApi(
  driver: Driver = 'pglite',
  options: StaffApiOptions = {},
): Promise<ApiHarness> {
  const testDb = await createTestDatabase(driver);
  const prefix = `tapi${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'silent',
    REDIS_PREFIX: prefix,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  });
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const now = () => new Date();
  const services = createServices(testDb.db, {
    categories: config.TICKET_CATEGORIES,
    ratingWindowDays: config.RATING_WINDOW_DAYS,
    ratingReminderHours: config.RATING_REMINDER_HOURS,
    scrypt: TEST_SCRYPT,
    now,
  });
  const ctx: AppContext = { config, logger, db: testDb.db, services, now };
  const api = createStaffApi(ctx, options);
  const app = createHttpApp({ logger, modules: [api, createApiDocs(ctx)], readiness: [] });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const system: StaffActor = { staffId: '00000000-0000-4000-8000-000000000000', role: 'admin' };
  const adminStaff = await services.staff.create(system, staffInput('Admin One', 'admin'));
  const agentStaff = await services.staff.create(system, staffInput('Agent One', 'agent'));
  const admin = {
    staffId: adminStaff.id,
    role: 'admin' as const,
    token: (await services.staff.issueToken('system', adminStaff.id)).token,
  };
  const agent = {
    staffId: agentStaff.id,
    role: 'agent' as const,
    token: (await services.staff.issueToken('system', agentStaff.id)).token,
  };

  const call = async (method: string, path: string, o: CallOptions = {}): Promise<ApiResponse> => {
    const headers: Record<string, string> = { ...o.headers };
    const token = o.token === undefined ? admin.token : o.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | Buffer | undefined;
    if (o.raw !== undefined) {
      body = o.raw;
      if (o.contentType) headers['content-type'] = o.contentType;
    } else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] = o.contentType ?? 'application/json';
    }
    const response = await fetch(`${url}${path}`, { method, headers, body });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, contentType, json, text };
  };

  return {
    url,
    ctx,
    db: testDb.db,
    prefix,
    admin,
    agent,
    call,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await api.stop();
      await testDb.drop();
      await deleteRedisKeys(config.REDIS_URL, prefix);
    },
  };
}

/** Removes every Redis key this test app made (rate-limit counters). */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new IORedis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

export function staffInput(name: string, role: 'agent' | 'admin') {
  return {
    name,
    email: null,
    phone: null,
    role,
    wecomUserId: null,
    teamsUserId: null,
    alertNewTicket: true,
    alertRating: true,
  };
}

/** Every user table's row count, to prove that refused requests wrote nothing. */
export async function rowCounts(db: Database): Promise<Record<string, number>> {
  const { rows } = await db.query<{ table_name: string }>(
    `select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'
      order by table_name`,
  );
  const counts: Record<string, number> = {};
  for (const { table_name } of rows) {
    const { rows: c } = await db.query<{ n: number }>(`select count(*)::int as n from "${table_name}"`);
    counts[table_name] = c[0]!.n;
  }
  return counts;
}

/** Asserts an RFC 9457 problem document with this status (and type slug). */
export function expectProblem(response: ApiResponse, status: number, type?: string): void {
  if (response.status !== status) {
    throw new Error(
      `expected ${status}${type ? ` ${type}` : ''}, got ${response.status}: ${response.text.slice(0, 500)}`,
    );
  }
  expect(response.contentType).toMatch(/^application\/problem\+json/);
  expect(response.json).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  expect(response.json.type).toMatch(/^\/api\/docs#problem-[a-z-]+$/);
  if (type) expect(response.json.type).toBe(`/api/docs#problem-${type}`);
}

/** A fresh organization and customer with one submitted (waiting) ticket, for tests that need real ids. */
export async function waitingTicket(api: ApiHarness) {
  const organizationId = await createOrganization(api.db);
  const customer = await createCustomer(api.db, organizationId);
  const draft = await api.ctx.services.tickets.createDraft(customer.actor, draftFields(customer));
  const { ticket } = await api.ctx.services.tickets.submit(customer.actor, draft.id);
  return { organizationId, customer, ticket: { id: ticket.id, number: ticket.number! } };
}
