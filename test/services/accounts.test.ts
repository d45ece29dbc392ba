import { createAccountServices } from '../../services/account-services';
import { normalizePhone, parseLogin } from '../../services/accounts';
import { PasswordHasher, TEST_SCRYPT } from '../../services/passwords';
import { describeEachDriver } from '../support/db';
import {
  ADMIN,
  Clock,
  codeEvents,
  initialPassword,
  lastCode,
  MINUTE,
  openAccount,
  organization,
  otherCode,
  type Services,
  services,
  uniqueEmail,
  uniquePhone,
} from './account-fixtures';

describe('logins', () => {
  it.each([
    ['138 0013 8000', '+8613800138000'],
    ['+86 138-0013-8000', '+8613800138000'],
    ['008613800138000', '+8613800138000'],
    ['8613800138000', '+8613800138000'],
    ['+1 (415) 555-0100', '+14155550100'],
  ])('normalizes the phone %s', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it('reads an email by its @ and lowercases it; anything else is invalid_login', () => {
    expect(parseLogin(' Li.Si@Example.COM ')).toEqual({
      field: 'email',
      kind: 'email',
      address: 'li.si@example.com',
    });
    expect(() => parseLogin('hello')).toThrow(
      expect.objectContaining({ kind: 'invalid_input', code: 'invalid_login' }),
    );
  });
});

describeEachDriver('accounts', (ctx) => {
  const clock = new Clock();
  let svc: Services;
  beforeAll(() => {
    svc = services(ctx.db, clock);
  });

  describe('open (F1)', () => {
    it('creates the account with identities, must-change, and announces the credentials without the hash', async () => {
      const org = await organization(svc);
      const email = uniqueEmail();
      const phone = uniquePhone();
      const { account, identities } = await svc.accounts.open(ADMIN, {
        phone: phone.replace(/(\d{3})(\d{4})/, '$1 $2 '),
        email,
        name: '  Wang Wu ',
        locale: 'en-US',
        identities: [
          { organizationId: org.id, displayName: 'Buyer', orgWide: true },
          { organizationId: org.id, displayName: 'Auditor' },
        ],
      });
      expect(account).toMatchObject({
        phone: `+86${phone}`,
        email: email.toLowerCase(),
        name: 'Wang Wu',
        locale: 'en-US',
        mustChangePassword: true,
        disabled: false,
        lockedUntil: null,
      });
      expect(identities.map((i) => [i.displayName, i.orgWide, i.organizationName])).toEqual([
        ['Buyer', true, org.name],
        ['Auditor', false, org.name],
      ]);
      const { rows } = await ctx.db.query<{ topic: string; payload: Record<string, unknown> }>(
        `select topic, payload from outbox where payload->>'accountId' = $1`,
        [account.id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.topic).toBe('account.credentials');
      const password = (rows[0]!.payload.secret as { password: string }).password;
      expect(rows[0]!.payload).toEqual({ accountId: account.id, reason: 'opened', secret: { password } });
      const { rows: stored } = await ctx.db.query<{ password_hash: string }>(
        'select password_hash from accounts where id = $1',
        [account.id],
      );
      expect(stored[0]!.password_hash).toMatch(/^scrypt\$/);
      expect(JSON.stringify(rows)).not.toContain(stored[0]!.password_hash.split('$')[5]);
      // The announced password is the account's password.
      await expect(svc.accounts.verifyPassword(email.toUpperCase(), password)).resolves.toMatchObject({
        id: account.id,
      });
    });

    it('refuses a login another account has (phone in another notation, email in another case)', async () => {
      const { account } = await openAccount(ctx.db, svc, { email: true });
      const org = await organization(svc);
      const identities = [{ organizationId: org.id, displayName: 'X' }];
      await expect(
        svc.accounts.open(ADMIN, { phone: account.phone!.replace('+86', '0086 '), name: 'B', identities }),
      ).rejects.toMatchObject({ kind: 'conflict', code: 'login_taken', details: { field: 'phone' } });
      await expect(
        svc.accounts.open(ADMIN, { email: account.email!.toUpperCase(), name: 'B', identities }),
      ).rejects.toMatchObject({ kind: 'conflict', code: 'login_taken', details: { field: 'email' } });
    });

    it('lets only one of two concurrent openings of the same login succeed', async () => {
      const org = await organization(svc);
      const phone = uniquePhone();
      const input = { phone, name: 'C', identities: [{ organizationId: org.id, displayName: 'X' }] };
      const results = await Promise.allSettled([
        svc.accounts.open(ADMIN, input),
        svc.accounts.open(ADMIN, input),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toMatchObject({ kind: 'conflict', code: 'login_taken' });
    });

    it('validates its input and writes nothing on failure', async () => {
      const org = await organization(svc);
      const identities = [{ organizationId: org.id, displayName: 'X' }];
      await expect(svc.accounts.open(ADMIN, { name: 'A', identities })).rejects.toMatchObject({
        code: 'login_required',
      });
      await expect(svc.accounts.open(ADMIN, { phone: '12', name: 'A', identities })).rejects.toMatchObject({
        code: 'invalid_phone',
      });
      await expect(
        svc.accounts.open(ADMIN, { phone: uniquePhone(), name: ' ', identities }),
      ).rejects.toMatchObject({
        code: 'name_required',
      });
      await expect(
        svc.accounts.open(ADMIN, { phone: uniquePhone(), name: 'A', identities: [] }),
      ).rejects.toMatchObject({ code: 'identities_required' });
      const phone = uniquePhone();
      await expect(
        svc.accounts.open(ADMIN, {
          phone,
          name: 'A',
          identities: [
            ...identities,
            { organizationId: '5b2c6a43-0000-4000-8000-000000000000', displayName: 'Y' },
          ],
        }),
      ).rejects.toMatchObject({ kind: 'not_found', code: 'organization_not_found' });
      // The failed opening rolled back: the phone is still free.
      expect(await svc.accounts.findByLogin(phone)).toBeUndefined();
    });
  });

  describe('password check and lockout (F2)', () => {
    it('answers wrong_credentials with the attempts left, then locks for 15 minutes', async () => {
      const { account, password, phone } = await openAccount(ctx.db, svc);
      for (let left = 4; left >= 1; left--) {
        await expect(svc.accounts.verifyPassword(phone, 'wrong-pass1')).rejects.toMatchObject({
          kind: 'unauthenticated',
          code: 'wrong_credentials',
          details: { remainingAttempts: left },
        });
      }
      await expect(svc.accounts.verifyPassword(phone, 'wrong-pass1')).rejects.toMatchObject({
        kind: 'locked',
        code: 'account_locked',
        details: { retryAfterSeconds: 15 * 60 },
      });
      // Locked: even the right password is refused, and the lock is visible to staff.
      await expect(svc.accounts.verifyPassword(phone, password)).rejects.toMatchObject({
        code: 'account_locked',
      });
      expect((await svc.accounts.get(account.id)).lockedUntil).toEqual(
        new Date(clock.now().getTime() + 15 * MINUTE),
      );
      clock.advance(14 * MINUTE);
      await expect(svc.accounts.verifyPassword(phone, password)).rejects.toMatchObject({
        code: 'account_locked',
        details: { retryAfterSeconds: 60 },
      });
      clock.advance(MINUTE);
      await expect(svc.accounts.verifyPassword(phone, password)).resolves.toMatchObject({
        id: account.id,
        lockedUntil: null,
      });
    });

    it('starts counting again after a successful sign-in', async () => {
      const { password, phone } = await openAccount(ctx.db, svc);
      for (let i = 0; i < 4; i++)
        await svc.accounts.verifyPassword(phone, 'nope12345').catch(() => undefined);
      await svc.accounts.verifyPassword(phone, password);
      await expect(svc.accounts.verifyPassword(phone, 'nope12345')).rejects.toMatchObject({
        details: { remainingAttempts: 4 },
      });
    });

    it('gives an unknown login the same wrong_credentials, without revealing a counter', async () => {
      const error = await svc.accounts.verifyPassword(uniquePhone(), 'whatever1').catch((e) => e);
      expect(error).toMatchObject({ kind: 'unauthenticated', code: 'wrong_credentials' });
      expect(error.details).toEqual({});
    });

    it('reveals a disabled account only to the right password; enabling clears a lock', async () => {
      const { account, password, phone } = await openAccount(ctx.db, svc);
      const disabled = await svc.accounts.setDisabled(ADMIN, account.id, true);
      expect(disabled.disabled).toBe(true);
      await expect(svc.accounts.verifyPassword(phone, 'wrong-pass1')).rejects.toMatchObject({
        code: 'wrong_credentials',
      });
      await expect(svc.accounts.verifyPassword(phone, password)).rejects.toMatchObject({
        kind: 'locked',
        code: 'account_disabled',
      });
      for (let i = 0; i < 5; i++)
        await svc.accounts.verifyPassword(phone, 'wrong-pass1').catch(() => undefined);
      const enabled = await svc.accounts.setDisabled(ADMIN, account.id, false);
      expect(enabled).toMatchObject({ disabled: false, lockedUntil: null });
      await expect(svc.accounts.verifyPassword(phone, password)).resolves.toMatchObject({ id: account.id });
    });

    it('upgrades a hash made with older parameters at the next sign-in', async () => {
      const { account, password, phone } = await openAccount(ctx.db, svc);
      const stronger = createAccountServices(ctx.db, { now: clock.now, scrypt: { logN: 11, r: 8, p: 1 } });
      await stronger.accounts.verifyPassword(phone, password);
      const { rows } = await ctx.db.query<{ password_hash: string }>(
        'select password_hash from accounts where id = $1',
        [account.id],
      );
      expect(rows[0]!.password_hash).toMatch(/^scrypt\$11\$/);
      await expect(new PasswordHasher(TEST_SCRYPT).verify(password, rows[0]!.password_hash)).resolves.toBe(
        true,
      );
    });
  });

  describe('change password (F12)', () => {
    it('needs the current password, applies the policy and clears must-change', async () => {
      const { account, password, phone } = await openAccount(ctx.db, svc);
      await expect(svc.accounts.changePassword(account.id, password, 'short')).rejects.toMatchObject({
        kind: 'invalid_input',
        code: 'password_too_short',
      });
      await expect(
        svc.accounts.changePassword(account.id, 'wrong-pass1', 'new-pass-42'),
      ).rejects.toMatchObject({
        code: 'wrong_credentials',
        details: { remainingAttempts: 4 },
      });
      await expect(svc.accounts.changePassword(account.id, password, password)).rejects.toMatchObject({
        code: 'password_unchanged',
      });
      await svc.accounts.changePassword(account.id, password, 'new-pass-42');
      expect((await svc.accounts.get(account.id)).mustChangePassword).toBe(false);
      await expect(svc.accounts.verifyPassword(phone, password)).rejects.toMatchObject({
        code: 'wrong_credentials',
      });
      await expect(svc.accounts.verifyPassword(phone, 'new-pass-42')).resolves.toMatchObject({
        id: account.id,
      });
    });

    it('is not_found for an unknown account', async () => {
      await expect(svc.accounts.changePassword('nope', 'a', 'new-pass-42')).rejects.toMatchObject({
        code: 'account_not_found',
      });
    });
  });

  describe('forgot password (F11)', () => {
    it('sends a code to the login, and code + new password set it and lift a lockout', async () => {
      const { account, phone } = await openAccount(ctx.db, svc);
      for (let i = 0; i < 5; i++)
        await svc.accounts.verifyPassword(phone, 'wrong-pass1').catch(() => undefined);
      await svc.accounts.requestPasswordReset(phone, 'zh-CN');
      const [event] = await codeEvents(ctx.db, phone);
      expect(event).toMatchObject({
        purpose: 'reset_password',
        target: { kind: 'sms', address: phone },
        locale: 'zh-CN',
      });
      const code = event!.secret.code;
      await expect(svc.accounts.resetPasswordWithCode(phone, code, 'weak')).rejects.toMatchObject({
        code: 'password_too_short',
      });
      await expect(
        svc.accounts.resetPasswordWithCode(phone, otherCode(code), 'reset-pass-7'),
      ).rejects.toMatchObject({
        code: 'wrong_code',
        details: { remainingAttempts: 4 },
      });
      await svc.accounts.resetPasswordWithCode(phone, code, 'reset-pass-7');
      await expect(svc.accounts.verifyPassword(phone, 'reset-pass-7')).resolves.toMatchObject({
        id: account.id,
        mustChangePassword: false,
      });
      await expect(svc.accounts.resetPasswordWithCode(phone, code, 'again-pass-8')).rejects.toMatchObject({
        code: 'code_used',
      });
    });

    it('an expired code changes nothing', async () => {
      const { password, phone } = await openAccount(ctx.db, svc);
      await svc.accounts.requestPasswordReset(phone, 'zh-CN');
      const code = await lastCode(ctx.db, phone);
      clock.advance(11 * MINUTE);
      await expect(svc.accounts.resetPasswordWithCode(phone, code, 'reset-pass-7')).rejects.toMatchObject({
        code: 'code_expired',
      });
      await expect(svc.accounts.verifyPassword(phone, password)).resolves.toBeDefined();
    });

    it('is silent for an unknown login: no error, no event', async () => {
      const phone = normalizePhone(uniquePhone());
      await expect(svc.accounts.requestPasswordReset(phone, 'zh-CN')).resolves.toBeUndefined();
      expect(await codeEvents(ctx.db, phone)).toHaveLength(0);
      // ...and looks the same afterwards: a guessed code is just wrong, a second request is rate-limited.
      await expect(svc.accounts.resetPasswordWithCode(phone, '123456', 'reset-pass-7')).rejects.toMatchObject(
        {
          code: 'wrong_code',
        },
      );
      await expect(svc.accounts.requestPasswordReset(phone, 'zh-CN')).rejects.toMatchObject({
        kind: 'rate_limited',
      });
    });

    it('rate-limits the sending', async () => {
      const { phone } = await openAccount(ctx.db, svc);
      await svc.accounts.requestPasswordReset(phone, 'zh-CN');
      await expect(svc.accounts.requestPasswordReset(phone, 'zh-CN')).rejects.toMatchObject({
        kind: 'rate_limited',
        code: 'code_rate_limited',
        details: { retryAfterSeconds: 60 },
      });
      expect(await codeEvents(ctx.db, phone)).toHaveLength(1);
    });
  });

  it('staff reset: a new initial password is announced and must be changed', async () => {
    const { account, password, phone } = await openAccount(ctx.db, svc);
    await svc.accounts.changePassword(account.id, password, 'chosen-pass-1');
    await svc.accounts.resetPasswordByStaff(ADMIN, account.id);
    const { rows } = await ctx.db.query<{ payload: { reason: string } }>(
      `select payload from outbox where topic = 'account.credentials' and payload->>'accountId' = $1 order by id`,
      [account.id],
    );
    expect(rows.map((r) => r.payload.reason)).toEqual(['opened', 'reset']);
    const fresh = await initialPassword(ctx.db, account.id);
    expect(fresh).not.toBe(password);
    await expect(svc.accounts.verifyPassword(phone, 'chosen-pass-1')).rejects.toMatchObject({
      code: 'wrong_credentials',
    });
    await expect(svc.accounts.verifyPassword(phone, fresh)).resolves.toMatchObject({
      mustChangePassword: true,
    });
    await expect(
      svc.accounts.resetPasswordByStaff(ADMIN, 'e1b8b0f4-0000-4000-8000-000000000000'),
    ).rejects.toMatchObject({
      code: 'account_not_found',
    });
  });

  describe('profile (F13)', () => {
    it('updates name, avatar and locale, and validates them', async () => {
      const { account } = await openAccount(ctx.db, svc);
      const updated = await svc.accounts.updateProfile(account.id, {
        name: ' Li Si ',
        avatarRef: 'att:1',
        locale: 'en-US',
      });
      expect(updated).toMatchObject({ name: 'Li Si', avatarRef: 'att:1', locale: 'en-US' });
      expect(await svc.accounts.updateProfile(account.id, { avatarRef: null })).toMatchObject({
        avatarRef: null,
        name: 'Li Si',
      });
      await expect(svc.accounts.updateProfile(account.id, { name: '' })).rejects.toMatchObject({
        code: 'name_required',
      });
      await expect(svc.accounts.updateProfile(account.id, { locale: 'x' })).rejects.toMatchObject({
        code: 'invalid_locale',
      });
      await expect(svc.accounts.updateProfile('nope', { name: 'A' })).rejects.toMatchObject({
        code: 'account_not_found',
      });
    });

    it('changes the phone only after the code sent to the new phone is confirmed', async () => {
      const { account, password } = await openAccount(ctx.db, svc);
      const next = normalizePhone(uniquePhone());
      await svc.accounts.requestContactChange(account.id, { phone: next }, 'zh-CN');
      expect((await svc.accounts.get(account.id)).phone).toBe(account.phone);
      const code = await lastCode(ctx.db, next);
      await expect(svc.accounts.confirmContactChange(account.id, otherCode(code))).rejects.toMatchObject({
        code: 'wrong_code',
      });
      const changed = await svc.accounts.confirmContactChange(account.id, code);
      expect(changed.phone).toBe(next);
      await expect(svc.accounts.verifyPassword(next, password)).resolves.toMatchObject({ id: account.id });
      expect(await svc.accounts.findByLogin(account.phone!)).toBeUndefined();
      await expect(svc.accounts.confirmContactChange(account.id, code)).rejects.toMatchObject({
        code: 'code_used',
      });
    });

    it('changes the email the same way', async () => {
      const { account } = await openAccount(ctx.db, svc);
      const next = uniqueEmail();
      await svc.accounts.requestContactChange(account.id, { email: next }, 'en-US');
      const [event] = await codeEvents(ctx.db, next.toLowerCase());
      expect(event).toMatchObject({ purpose: 'contact_change', target: { kind: 'email' } });
      expect((await svc.accounts.confirmContactChange(account.id, event!.secret.code)).email).toBe(
        next.toLowerCase(),
      );
    });

    it("refuses another account's contact, the current one, and a code meant for another account", async () => {
      const a = await openAccount(ctx.db, svc);
      const b = await openAccount(ctx.db, svc);
      await expect(
        svc.accounts.requestContactChange(a.account.id, { phone: b.phone }, 'zh-CN'),
      ).rejects.toMatchObject({
        kind: 'conflict',
        code: 'login_taken',
      });
      await expect(
        svc.accounts.requestContactChange(a.account.id, { phone: a.phone }, 'zh-CN'),
      ).rejects.toMatchObject({
        code: 'contact_unchanged',
      });
      await expect(svc.accounts.confirmContactChange(b.account.id, '123456')).rejects.toMatchObject({
        code: 'code_not_requested',
      });
    });

    it('refuses at confirmation when the new phone was taken meanwhile', async () => {
      const a = await openAccount(ctx.db, svc);
      const next = normalizePhone(uniquePhone());
      await svc.accounts.requestContactChange(a.account.id, { phone: next }, 'zh-CN');
      const org = await organization(svc);
      await svc.accounts.open(ADMIN, {
        phone: next,
        name: 'Fast',
        identities: [{ organizationId: org.id, displayName: 'X' }],
      });
      await expect(
        svc.accounts.confirmContactChange(a.account.id, await lastCode(ctx.db, next)),
      ).rejects.toMatchObject({
        kind: 'conflict',
        code: 'login_taken',
      });
    });
  });

  it('finds an account by any notation of its login, and nothing for garbage', async () => {
    const { account } = await openAccount(ctx.db, svc, { email: true });
    expect((await svc.accounts.findByLogin(account.phone!.replace('+86', '')))?.id).toBe(account.id);
    expect((await svc.accounts.findByLogin(` ${account.email!.toUpperCase()} `))?.id).toBe(account.id);
    expect(await svc.accounts.findByLogin('garbage')).toBeUndefined();
  });

  it('organizations: create, list, get', async () => {
    const org = await svc.organizations.create(ADMIN, '  Acme  ');
    expect(org.name).toBe('Acme');
    expect(await svc.organizations.get(org.id)).toEqual(org);
    expect(await svc.organizations.list()).toContainEqual(org);
    await expect(svc.organizations.create(ADMIN, '')).rejects.toMatchObject({ code: 'name_required' });
    await expect(svc.organizations.get('x')).rejects.toMatchObject({ code: 'organization_not_found' });
  });
});
