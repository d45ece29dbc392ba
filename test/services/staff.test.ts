import { createHash, randomInt } from 'node:crypto';
import type { StaffActor } from '../../services/contracts';
import { describeEachDriver } from '../support/db';
import { ADMIN, Clock, MINUTE, type Services, services } from './account-fixtures';

describeEachDriver('staff directory and API tokens (S1)', (ctx) => {
  const clock = new Clock();
  let svc: Services;
  beforeAll(() => {
    svc = services(ctx.db, clock);
  });

  const member = (
    extra: Partial<{ role: 'agent' | 'admin'; wecomUserId: string | null; teamsUserId: string | null }> = {},
  ) =>
    svc.staff.create(ADMIN, {
      name: `Agent ${randomInt(0, 1e6)}`,
      email: 'Agent@Example.com',
      phone: null,
      role: 'agent',
      wecomUserId: null,
      teamsUserId: null,
      alertNewTicket: true,
      alertRating: false,
      ...extra,
    });

  it('creates, updates, lists and finds staff by their chat ids', async () => {
    const wecom = `wx-${randomInt(0, 1e9)}`;
    const teams = `29:${randomInt(0, 1e9)}`;
    const created = await member({ wecomUserId: wecom, teamsUserId: teams });
    expect(created).toMatchObject({
      email: 'agent@example.com',
      role: 'agent',
      alertRating: false,
      active: true,
    });
    expect(await svc.staff.get(created.id)).toEqual(created);
    expect(await svc.staff.list()).toContainEqual(created);
    expect(await svc.staff.findByWecomId(wecom)).toEqual(created);
    expect(await svc.staff.findByTeamsId(teams)).toEqual(created);
    const updated = await svc.staff.update(ADMIN, created.id, { role: 'admin', alertRating: true });
    expect(updated).toMatchObject({ role: 'admin', alertRating: true, name: created.name });
    // An inactive member is not found from chat.
    await svc.staff.update(ADMIN, created.id, { active: false });
    expect(await svc.staff.findByTeamsId(teams)).toBeUndefined();
    expect(await svc.staff.findByWecomId('nobody')).toBeUndefined();
  });

  it('refuses a chat id another member has, and bad input', async () => {
    const wecom = `wx-${randomInt(0, 1e9)}`;
    await member({ wecomUserId: wecom });
    await expect(member({ wecomUserId: wecom })).rejects.toMatchObject({
      kind: 'conflict',
      code: 'wecom_user_id_taken',
    });
    const other = await member();
    await expect(svc.staff.update(ADMIN, other.id, { wecomUserId: wecom })).rejects.toMatchObject({
      code: 'wecom_user_id_taken',
    });
    await expect(svc.staff.update(ADMIN, other.id, { role: 'boss' as 'admin' })).rejects.toMatchObject({
      code: 'invalid_role',
    });
    await expect(svc.staff.update(ADMIN, other.id, { email: 'not-mail' })).rejects.toMatchObject({
      code: 'invalid_email',
    });
    await expect(svc.staff.get('nope')).rejects.toMatchObject({ code: 'staff_not_found' });
    await expect(
      svc.staff.update(ADMIN, '3c5d0000-0000-4000-8000-000000000000', { name: 'X' }),
    ).rejects.toMatchObject({
      code: 'staff_not_found',
    });
  });

  it('an agent edits only their own contact and alert settings', async () => {
    const agent = await member();
    const actor: StaffActor = { staffId: agent.id, role: 'agent' };
    await expect(
      svc.staff.update(actor, agent.id, { alertNewTicket: false, name: 'Me' }),
    ).resolves.toMatchObject({
      alertNewTicket: false,
      name: 'Me',
    });
    await expect(svc.staff.update(actor, agent.id, { role: 'admin' })).rejects.toMatchObject({
      kind: 'forbidden',
      code: 'admin_required',
    });
    const other = await member();
    await expect(svc.staff.update(actor, other.id, { name: 'X' })).rejects.toMatchObject({
      code: 'admin_required',
    });
    await expect(
      svc.staff.create(actor, { ...other, role: 'agent', wecomUserId: null, teamsUserId: null }),
    ).rejects.toMatchObject({ code: 'admin_required' });
  });

  describe('tokens', () => {
    it('issues a recognizable token stored only as its sha256, and authenticates it', async () => {
      const agent = await member();
      const { id, token } = await svc.staff.issueToken('system', agent.id, 'ci');
      expect(token).toMatch(/^hd_[A-Za-z0-9_-]{43}$/);
      const { rows } = await ctx.db.query<{ token_hash: string; label: string; last_used_at: Date | null }>(
        'select token_hash, label, last_used_at from staff_tokens where id = $1',
        [id],
      );
      expect(rows[0]).toEqual({
        token_hash: createHash('sha256').update(token).digest('hex'),
        label: 'ci',
        last_used_at: null,
      });
      expect(await svc.staff.authenticate(token)).toEqual({ staffId: agent.id, role: 'agent' });
      const after = await ctx.db.query<{ last_used_at: Date }>(
        'select last_used_at from staff_tokens where id = $1',
        [id],
      );
      expect(after.rows[0]!.last_used_at).toEqual(clock.now());
      // Later uses keep last_used_at fresh (at minute granularity).
      clock.advance(2 * MINUTE);
      await svc.staff.authenticate(token);
      const later = await ctx.db.query<{ last_used_at: Date }>(
        'select last_used_at from staff_tokens where id = $1',
        [id],
      );
      expect(later.rows[0]!.last_used_at).toEqual(clock.now());
    });

    it('refuses unknown, malformed, revoked tokens and tokens of inactive staff', async () => {
      const agent = await member();
      const { id, token } = await svc.staff.issueToken(ADMIN, agent.id);
      expect(
        await svc.staff.authenticate(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`),
      ).toBeUndefined();
      expect(await svc.staff.authenticate('Bearer nonsense')).toBeUndefined();
      expect(await svc.staff.authenticate('')).toBeUndefined();
      await svc.staff.update(ADMIN, agent.id, { active: false });
      expect(await svc.staff.authenticate(token)).toBeUndefined();
      await svc.staff.update(ADMIN, agent.id, { active: true });
      expect(await svc.staff.authenticate(token)).toBeDefined();
      await svc.staff.revokeToken(ADMIN, id);
      expect(await svc.staff.authenticate(token)).toBeUndefined();
      // Revoking twice is harmless.
      await expect(svc.staff.revokeToken(ADMIN, id)).resolves.toBeUndefined();
    });

    it('an agent manages only their own tokens; no token for an inactive member', async () => {
      const agent = await member();
      const other = await member();
      const actor: StaffActor = { staffId: agent.id, role: 'agent' };
      const own = await svc.staff.issueToken(actor, agent.id);
      await expect(svc.staff.issueToken(actor, other.id)).rejects.toMatchObject({ code: 'admin_required' });
      const theirs = await svc.staff.issueToken(ADMIN, other.id);
      await expect(svc.staff.revokeToken(actor, theirs.id)).rejects.toMatchObject({ code: 'not_your_token' });
      await expect(svc.staff.revokeToken(actor, own.id)).resolves.toBeUndefined();
      await expect(svc.staff.revokeToken(actor, 'nope')).rejects.toMatchObject({ code: 'token_not_found' });
      await svc.staff.update(ADMIN, other.id, { active: false });
      await expect(svc.staff.issueToken(ADMIN, other.id)).rejects.toMatchObject({ code: 'staff_inactive' });
      await expect(svc.staff.issueToken('system', 'nope')).rejects.toMatchObject({ code: 'staff_not_found' });
    });
  });
});
