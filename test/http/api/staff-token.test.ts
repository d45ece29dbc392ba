import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runStaffToken } from '../../../scripts/staff-token';
import { createServices } from '../../../services';
import type { Database } from '../../../services/db/database';
import { createTestDatabase, type TestDatabase } from '../../support/db';

const run = promisify(execFile);
const root = join(__dirname, '../../..');

describe('scripts/staff-token', () => {
  let test: TestDatabase;
  // The script closes its database when done; the test keeps using this one.
  let db: Database;

  beforeAll(async () => {
    test = await createTestDatabase('pglite');
    db = Object.assign(Object.create(test.db), { close: async () => undefined });
  });
  afterAll(async () => {
    await test.drop();
  });

  const call = async (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runStaffToken(argv, async () => db, {
      out: (t) => (out += t),
      err: (t) => (err += t),
    });
    return { code, out, err };
  };
  const services = () =>
    createServices(test.db, {
      categories: [],
      ratingWindowDays: 7,
      ratingReminderHours: 24,
      now: () => new Date(),
    });

  it('prints help, and refuses bad arguments with the usage (exit 2)', async () => {
    const help = await call('--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('--create-admin');
    for (const argv of [
      [],
      ['--staff'],
      ['--staff', 'abc'],
      ['--bogus'],
      ['--staff', '6f1c7d1e-0000-4000-8000-000000000000', '--create-admin', 'X'],
      ['--create-admin', ' '],
    ]) {
      const r = await call(...argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/^staff:token: .+\n\nUsage:/);
    }
  });

  it('bootstraps the first admin once, and prints only the token on stdout', async () => {
    const first = await call('--create-admin', 'Wang Fang', '--label', 'bootstrap');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^hd_[A-Za-z0-9_-]{43}\n$/);
    expect(first.err).toContain('Created admin Wang Fang');
    const actor = await services().staff.authenticate(first.out.trim());
    expect(actor?.role).toBe('admin');

    const again = await call('--create-admin', 'Someone Else');
    expect(again.code).toBe(1);
    expect(again.err).toContain('already has an admin');
    expect((await services().staff.list()).map((s) => s.name)).toEqual(['Wang Fang']);
  });

  it('issues a token for an existing member, and says clearly when it cannot', async () => {
    const system = { staffId: '00000000-0000-0000-0000-000000000000', role: 'admin' as const };
    const member = await services().staff.create(system, {
      name: 'Li Agent',
      email: null,
      phone: null,
      role: 'agent',
      wecomUserId: null,
      teamsUserId: null,
      alertNewTicket: true,
      alertRating: true,
    });
    const issued = await call('--staff', member.id);
    expect(issued.code).toBe(0);
    expect(await services().staff.authenticate(issued.out.trim())).toEqual({
      staffId: member.id,
      role: 'agent',
    });

    const unknown = await call('--staff', '6f1c7d1e-0000-4000-8000-000000000000');
    expect(unknown).toMatchObject({ code: 1, out: '' });
    expect(unknown.err).toContain('no staff member with id 6f1c7d1e-0000-4000-8000-000000000000');

    await services().staff.update(system, member.id, { active: false });
    const inactive = await call('--staff', member.id);
    expect(inactive.code).toBe(1);
    expect(inactive.err).toContain('staff_inactive');
  });

  it('runs as a program against the configured embedded database', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'staff-token-'));
    const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'silent' };
    const tsx = join(root, 'node_modules/.bin/tsx');
    try {
      const help = await run(tsx, ['scripts/staff-token.ts', '--help'], { cwd: root, env });
      expect(help.stdout).toContain('Usage:');
      const created = await run(tsx, ['scripts/staff-token.ts', '--create-admin', 'First Admin'], {
        cwd: root,
        env,
      });
      expect(created.stdout).toMatch(/^hd_\S{43}\n$/);
      await expect(run(tsx, ['scripts/staff-token.ts', '--nope'], { cwd: root, env })).rejects.toMatchObject({
        code: 2,
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
