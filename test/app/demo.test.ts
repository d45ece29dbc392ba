import { DEMO, seedDemo } from '../../app/demo';
import { startTestApp, type TestApp } from '../support/app';
import { drivers } from '../support/db';

describe.each(drivers)('demo data [%s]', (driver) => {
  let app: TestApp;
  let printed = '';
  let write: jest.SpyInstance;

  beforeAll(async () => {
    app = await startTestApp({ driver });
    write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed += String(chunk);
      return true;
    });
  });
  afterAll(async () => {
    write?.mockRestore();
    await app?.stop();
  });

  it('seeds an empty database once: organizations, admin, a customer with two identities, tickets in every state', async () => {
    const summary = await seedDemo(app.ctx, 'http://demo.test');
    expect(summary).toMatchObject({ chatUrl: 'http://demo.test/chat', tickets: 6 });
    expect(printed).toContain('http://demo.test/chat');
    expect(printed).toContain(DEMO.customerPhone);
    expect(printed).toContain(DEMO.customerPassword);

    const { services } = app.ctx;
    const account = await services.accounts.verifyPassword(DEMO.customerPhone, DEMO.customerPassword);
    expect(account.mustChangePassword).toBe(false);
    expect(await services.identities.listForAccount(account.id)).toHaveLength(2);
    const { rows } = await app.db.query<{ status: string; n: number }>(
      'select status, count(*)::int as n from tickets group by status order by status',
    );
    expect(Object.fromEntries(rows.map((r) => [r.status, r.n]))).toEqual({
      draft: 1,
      waiting: 3,
      in_progress: 1,
      resolved: 1,
    });
    expect(await services.staff.authenticate(summary!.staffToken)).toMatchObject({ role: 'admin' });

    printed = '';
    expect(await seedDemo(app.ctx, 'http://demo.test')).toBeUndefined();
    expect(printed).toBe('');
    const { rows: counts } = await app.db.query<{ n: number }>('select count(*)::int as n from accounts');
    expect(counts[0]!.n).toBe(1);
  });
});
