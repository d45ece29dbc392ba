import { createHash, randomInt } from 'node:crypto';
import type { ChatChannel } from '../../services/contracts';
import { describeEachDriver } from '../support/db';
import {
  ADMIN,
  Clock,
  codeEvents,
  lastCode,
  MINUTE,
  openAccount,
  otherCode,
  type Services,
  services,
  uniquePhone,
} from './account-fixtures';

describeEachDriver('chat bindings and sign-in (F2)', (ctx) => {
  const clock = new Clock();
  let svc: Services;
  beforeAll(() => {
    svc = services(ctx.db, clock);
  });
  const user = () => `user-${randomInt(0, 1e9)}`;

  describe('touch', () => {
    it('creates the chat user on first contact and keeps reference and locale fresh', async () => {
      const id = user();
      const first = await svc.bindings.touch('teams', id, {
        conversationRef: { conversation: { id: 'c1' } },
        locale: 'en-US',
      });
      expect(first).toEqual({
        channel: 'teams',
        chatUserId: id,
        accountId: null,
        activeIdentityId: null,
        conversationRef: { conversation: { id: 'c1' } },
        reachable: true,
        locale: 'en-US',
      });
      await svc.bindings.markUnreachable('teams', id);
      expect((await svc.bindings.get('teams', id))?.reachable).toBe(false);
      clock.advance(MINUTE);
      // Nothing new given: the stored reference and locale stay; speaking makes the user reachable again.
      expect(await svc.bindings.touch('teams', id)).toMatchObject({
        conversationRef: { conversation: { id: 'c1' } },
        locale: 'en-US',
        reachable: true,
      });
      const { rows } = await ctx.db.query<{ last_seen_at: Date }>(
        'select last_seen_at from chat_bindings where chat_user_id = $1',
        [id],
      );
      expect(rows[0]!.last_seen_at).toEqual(clock.now());
      await svc.bindings.touch('teams', id, { conversationRef: { conversation: { id: 'c2' } } });
      await svc.bindings.setLocale('teams', id, 'zh-CN');
      expect(await svc.bindings.get('teams', id)).toMatchObject({
        conversationRef: { conversation: { id: 'c2' } },
        locale: 'zh-CN',
      });
    });

    it('refuses an unknown channel or an empty chat user id', async () => {
      await expect(svc.bindings.touch('fax' as ChatChannel, 'x')).rejects.toMatchObject({
        code: 'invalid_channel',
      });
      await expect(svc.bindings.touch('web', '')).rejects.toMatchObject({ code: 'invalid_chat_user' });
      expect(await svc.bindings.get('web', 'never-seen')).toBeUndefined();
    });
  });

  describe('sign in with password', () => {
    it('binds the chat user; with one identity it is active at once', async () => {
      const { account, identities, phone, password } = await openAccount(ctx.db, svc);
      const id = user();
      await expect(svc.bindings.actor('web', id)).rejects.toMatchObject({
        kind: 'unauthenticated',
        code: 'not_signed_in',
      });
      const result = await svc.bindings.signInWithPassword('web', id, phone, password);
      expect(result).toMatchObject({
        account: { id: account.id, mustChangePassword: true },
        identities,
        activeIdentityId: identities[0]!.id,
      });
      // The initial password must be changed before the chat user may act.
      await expect(svc.bindings.actor('web', id)).rejects.toMatchObject({ code: 'password_change_required' });
      await svc.accounts.changePassword(account.id, password, 'Chosen-pass-1');
      expect(await svc.bindings.actor('web', id)).toEqual({
        accountId: account.id,
        identityId: identities[0]!.id,
      });
      expect(await svc.bindings.listForAccount(account.id)).toEqual([
        expect.objectContaining({ channel: 'web', chatUserId: id }),
      ]);
    });

    it('with several identities the customer picks one, only among their own bound identities', async () => {
      const { account, identities, phone, password } = await openAccount(ctx.db, svc, {
        ownPassword: true,
        identityCount: 2,
      });
      const stranger = await openAccount(ctx.db, svc, { ownPassword: true });
      const id = user();
      const result = await svc.bindings.signInWithPassword('wecom', id, phone, password);
      expect(result.activeIdentityId).toBeNull();
      expect(result.identities).toHaveLength(2);
      await expect(svc.bindings.actor('wecom', id)).rejects.toMatchObject({
        kind: 'invalid_state',
        code: 'identity_required',
        details: { available: 2 },
      });
      await expect(
        svc.bindings.selectIdentity('wecom', id, stranger.identities[0]!.id),
      ).rejects.toMatchObject({
        kind: 'not_found',
        code: 'identity_not_found',
      });
      await expect(svc.bindings.selectIdentity('wecom', id, 'garbage')).rejects.toMatchObject({
        code: 'identity_not_found',
      });
      expect(await svc.bindings.selectIdentity('wecom', id, identities[1]!.id)).toEqual(identities[1]);
      expect(await svc.bindings.actor('wecom', id)).toEqual({
        accountId: account.id,
        identityId: identities[1]!.id,
      });
      await svc.identities.unbind(ADMIN, identities[0]!.id);
      await expect(svc.bindings.selectIdentity('wecom', id, identities[0]!.id)).rejects.toMatchObject({
        kind: 'forbidden',
        code: 'identity_unbound',
      });
      await expect(svc.bindings.selectIdentity('web', user(), identities[1]!.id)).rejects.toMatchObject({
        code: 'not_signed_in',
      });
    });

    it('wrong password: not bound, with the counter; the lockout applies', async () => {
      const { phone, password } = await openAccount(ctx.db, svc, { ownPassword: true });
      const id = user();
      await expect(svc.bindings.signInWithPassword('web', id, phone, 'wrong-pass1')).rejects.toMatchObject({
        code: 'wrong_credentials',
        details: { remainingAttempts: 4 },
      });
      await expect(svc.bindings.actor('web', id)).rejects.toMatchObject({ code: 'not_signed_in' });
      for (let i = 0; i < 4; i++)
        await svc.bindings.signInWithPassword('web', id, phone, 'wrong-pass1').catch(() => undefined);
      await expect(svc.bindings.signInWithPassword('web', id, phone, password)).rejects.toMatchObject({
        kind: 'locked',
        code: 'account_locked',
      });
    });

    it('one account may be bound from several chat users; sign-out and staff revoke unbind them', async () => {
      const { account, phone, password } = await openAccount(ctx.db, svc, { ownPassword: true });
      const [a, b, c] = [user(), user(), user()];
      await svc.bindings.signInWithPassword('web', a, phone, password);
      await svc.bindings.signInWithPassword('teams', b, phone, password);
      await svc.bindings.signInWithPassword('wecom', c, phone, password);
      await svc.bindings.signOut('web', a);
      await expect(svc.bindings.actor('web', a)).rejects.toMatchObject({ code: 'not_signed_in' });
      await expect(svc.bindings.actor('teams', b)).resolves.toBeDefined();
      expect(await svc.bindings.revokeAll(ADMIN, account.id)).toBe(2);
      await expect(svc.bindings.actor('teams', b)).rejects.toMatchObject({ code: 'not_signed_in' });
      await expect(svc.bindings.actor('wecom', c)).rejects.toMatchObject({ code: 'not_signed_in' });
      expect(await svc.bindings.listForAccount(account.id)).toEqual([]);
      // The chat users themselves (reference, locale) remain for the next sign-in.
      expect(await svc.bindings.get('teams', b)).toMatchObject({ accountId: null, activeIdentityId: null });
      await expect(svc.bindings.revokeAll(ADMIN, 'nope')).rejects.toMatchObject({
        code: 'account_not_found',
      });
    });

    it('a disabled account cannot act from a chat that is still bound', async () => {
      const { account, phone, password } = await openAccount(ctx.db, svc, { ownPassword: true });
      const id = user();
      await svc.bindings.signInWithPassword('web', id, phone, password);
      await svc.accounts.setDisabled(ADMIN, account.id, true);
      await expect(svc.bindings.actor('web', id)).rejects.toMatchObject({
        kind: 'locked',
        code: 'account_disabled',
      });
      await svc.accounts.setDisabled(ADMIN, account.id, false);
      await expect(svc.bindings.actor('web', id)).resolves.toMatchObject({ accountId: account.id });
    });
  });

  describe('sign in with a code (F2b)', () => {
    it('a lockout after wrong passwords holds for code sign-in too; the code works once the lock is over', async () => {
      const { account, phone } = await openAccount(ctx.db, svc, { ownPassword: true });
      for (let i = 0; i < 5; i++)
        await svc.accounts.verifyPassword(phone, 'wrong-pass-0').catch(() => undefined);
      expect((await svc.accounts.get(account.id)).lockedUntil).toBeInstanceOf(Date);
      const id = user();
      await svc.bindings.requestSignInCode('web', id, phone, 'zh-CN');
      const code = await lastCode(ctx.db, phone);
      await expect(svc.bindings.signInWithCode('web', id, phone, code)).rejects.toMatchObject({
        kind: 'locked',
        code: 'account_locked',
      });
      await expect(svc.bindings.actor('web', id)).rejects.toMatchObject({ code: 'not_signed_in' });
      clock.advance(16 * MINUTE);
      // The lock has passed (and the first code expired meanwhile): a fresh code signs in.
      await svc.bindings.requestSignInCode('web', id, phone, 'zh-CN');
      await svc.bindings.signInWithCode('web', id, phone, await lastCode(ctx.db, phone));
      expect(await svc.bindings.actor('web', id)).toMatchObject({ accountId: account.id });
    });

    it('a refused locked sign-in does not use the code up', async () => {
      const { phone } = await openAccount(ctx.db, svc, { ownPassword: true });
      const id = user();
      await svc.bindings.requestSignInCode('web', id, phone, 'zh-CN');
      const code = await lastCode(ctx.db, phone);
      await ctx.db.query('update accounts set locked_until = $2 where phone = $1', [
        phone,
        new Date(clock.now().getTime() + 2 * MINUTE),
      ]);
      await expect(svc.bindings.signInWithCode('web', id, phone, code)).rejects.toMatchObject({
        code: 'account_locked',
      });
      clock.advance(3 * MINUTE);
      await expect(svc.bindings.signInWithCode('web', id, phone, code)).resolves.toBeDefined();
    });

    it('sends a code to the phone, and the code binds the chat user that asked', async () => {
      const { account, phone, identities } = await openAccount(ctx.db, svc, { ownPassword: true });
      const id = user();
      await svc.bindings.requestSignInCode('wecom', id, phone, 'zh-CN');
      const [event] = await codeEvents(ctx.db, phone);
      expect(event).toMatchObject({ purpose: 'sign_in', target: { kind: 'sms', address: phone } });
      // Typed by another chat user, the same code is not theirs: no code was requested there.
      await expect(
        svc.bindings.signInWithCode('wecom', user(), phone, event!.secret.code),
      ).rejects.toMatchObject({ code: 'code_not_requested' });
      const result = await svc.bindings.signInWithCode('wecom', id, phone, event!.secret.code);
      expect(result).toMatchObject({ account: { id: account.id }, activeIdentityId: identities[0]!.id });
      expect(await svc.bindings.actor('wecom', id)).toEqual({
        accountId: account.id,
        identityId: identities[0]!.id,
      });
      await expect(svc.bindings.signInWithCode('wecom', id, phone, event!.secret.code)).rejects.toMatchObject(
        { code: 'code_used' },
      );
    });

    it('wrong, exhausted and expired codes do not bind', async () => {
      const { phone } = await openAccount(ctx.db, svc, { ownPassword: true });
      const id = user();
      await svc.bindings.requestSignInCode('web', id, phone, 'zh-CN');
      const code = await lastCode(ctx.db, phone);
      for (let i = 0; i < 5; i++) {
        await expect(svc.bindings.signInWithCode('web', id, phone, otherCode(code))).rejects.toMatchObject({
          code: 'wrong_code',
        });
      }
      await expect(svc.bindings.signInWithCode('web', id, phone, code)).rejects.toMatchObject({
        code: 'code_attempts_exhausted',
      });
      clock.advance(MINUTE);
      await svc.bindings.requestSignInCode('web', id, phone, 'zh-CN');
      const fresh = await lastCode(ctx.db, phone);
      clock.advance(10 * MINUTE);
      await expect(svc.bindings.signInWithCode('web', id, phone, fresh)).rejects.toMatchObject({
        code: 'code_expired',
      });
      await expect(svc.bindings.actor('web', id)).rejects.toMatchObject({ code: 'not_signed_in' });
    });

    it('an unknown or disabled login gets the same answers and no code', async () => {
      const unknown = uniquePhone();
      await expect(svc.bindings.requestSignInCode('web', user(), unknown, 'zh-CN')).resolves.toBeUndefined();
      const disabled = await openAccount(ctx.db, svc, { ownPassword: true });
      await svc.accounts.setDisabled(ADMIN, disabled.account.id, true);
      const id = user();
      await expect(
        svc.bindings.requestSignInCode('web', id, disabled.phone, 'zh-CN'),
      ).resolves.toBeUndefined();
      expect(await codeEvents(ctx.db, disabled.phone)).toHaveLength(0);
      await expect(svc.bindings.signInWithCode('web', id, disabled.phone, '123456')).rejects.toMatchObject({
        code: 'wrong_code',
      });
    });

    it('rate-limits the sending per phone', async () => {
      const { phone } = await openAccount(ctx.db, svc, { ownPassword: true });
      await svc.bindings.requestSignInCode('web', user(), phone, 'zh-CN');
      await expect(svc.bindings.requestSignInCode('teams', user(), phone, 'zh-CN')).rejects.toMatchObject({
        kind: 'rate_limited',
        details: { retryAfterSeconds: 60 },
      });
    });
  });

  describe('one-time web links', () => {
    it('are random, stored hashed, tied to the chat user; peek keeps them, consume uses them up', async () => {
      const id = user();
      const token = await svc.bindings.createWebToken('sign_in', 'web', id);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const { rows } = await ctx.db.query<{ token_hash: string }>(
        'select token_hash from web_tokens where chat_user_id = $1',
        [id],
      );
      expect(rows[0]!.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
      const expected = { channel: 'web', chatUserId: id, accountId: null };
      expect(await svc.bindings.peekWebToken(token, 'sign_in')).toEqual(expected);
      expect(await svc.bindings.peekWebToken(token, 'sign_in')).toEqual(expected);
      expect(await svc.bindings.consumeWebToken(token, 'sign_in')).toEqual(expected);
      await expect(svc.bindings.consumeWebToken(token, 'sign_in')).rejects.toMatchObject({
        kind: 'invalid_state',
        code: 'web_token_used',
      });
      await expect(svc.bindings.peekWebToken(token, 'sign_in')).rejects.toMatchObject({
        code: 'web_token_used',
      });
    });

    it('expire after 10 minutes', async () => {
      const token = await svc.bindings.createWebToken('forgot_password', 'teams', user());
      clock.advance(10 * MINUTE - 1000);
      await expect(svc.bindings.peekWebToken(token, 'forgot_password')).resolves.toBeDefined();
      clock.advance(1000);
      await expect(svc.bindings.peekWebToken(token, 'forgot_password')).rejects.toMatchObject({
        code: 'web_token_expired',
      });
      await expect(svc.bindings.consumeWebToken(token, 'forgot_password')).rejects.toMatchObject({
        code: 'web_token_expired',
      });
    });

    it('unknown tokens and tokens for another page are web_token_unknown', async () => {
      const token = await svc.bindings.createWebToken('sign_in', 'web', user());
      await expect(svc.bindings.peekWebToken(token, 'change_password')).rejects.toMatchObject({
        kind: 'not_found',
        code: 'web_token_unknown',
      });
      await expect(svc.bindings.consumeWebToken('A'.repeat(43), 'sign_in')).rejects.toMatchObject({
        code: 'web_token_unknown',
      });
      await expect(svc.bindings.consumeWebToken('short', 'sign_in')).rejects.toMatchObject({
        code: 'web_token_unknown',
      });
    });

    it('only one of concurrent uses succeeds', async () => {
      const token = await svc.bindings.createWebToken('sign_in', 'web', user());
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => svc.bindings.consumeWebToken(token, 'sign_in')),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('a change-password link needs a signed-in chat user and dies at sign-out', async () => {
      const { account, phone, password } = await openAccount(ctx.db, svc, { ownPassword: true });
      const id = user();
      await expect(svc.bindings.createWebToken('change_password', 'web', id)).rejects.toMatchObject({
        code: 'not_signed_in',
      });
      await svc.bindings.signInWithPassword('web', id, phone, password);
      const token = await svc.bindings.createWebToken('change_password', 'web', id);
      expect(await svc.bindings.peekWebToken(token, 'change_password')).toEqual({
        channel: 'web',
        chatUserId: id,
        accountId: account.id,
      });
      await svc.bindings.signOut('web', id);
      await expect(svc.bindings.consumeWebToken(token, 'change_password')).rejects.toMatchObject({
        code: 'web_token_revoked',
      });
    });
  });
});
