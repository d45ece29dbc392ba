import type { CodeRow } from '../../services/codes';
import { CodeService } from '../../services/codes';
import { describeEachDriver } from '../support/db';
import { Clock, codeEvents, lastCode, MINUTE, otherCode, uniqueEmail } from './account-fixtures';

describeEachDriver('one-time codes', (ctx) => {
  const clock = new Clock();
  let codes: CodeService;
  beforeAll(() => {
    codes = new CodeService(ctx.db, { now: clock.now });
  });

  const target = () => ({ kind: 'email' as const, address: uniqueEmail().toLowerCase() });
  const issue = (address: string, extra: { context?: string; decoy?: boolean } = {}) =>
    codes.issue({
      purpose: 'reset_password',
      target: { kind: 'email', address },
      accountId: null,
      locale: 'en-US',
      ...extra,
    });
  const consume = (address: string, code: string, context?: string) =>
    codes.consume(
      { purpose: 'reset_password', target: address, context },
      code,
      async (_tx, row: CodeRow) => row.id,
    );

  it('sends 6 digits through the outbox and stores only a salted hash', async () => {
    const { address } = target();
    await issue(address);
    const [event, ...more] = await codeEvents(ctx.db, address);
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({
      purpose: 'reset_password',
      target: { kind: 'email', address },
      locale: 'en-US',
    });
    expect(event!.secret.code).toMatch(/^\d{6}$/);
    const { rows } = await ctx.db.query<{ code_hash: string; expires_at: Date; created_at: Date }>(
      'select code_hash, expires_at, created_at from verification_codes where target = $1',
      [address],
    );
    expect(rows[0]!.code_hash).not.toContain(event!.secret.code);
    expect(rows[0]!.code_hash).toMatch(/^v2:[0-9a-f]{32}:[0-9a-f]{64}$/);
    expect(rows[0]!.expires_at.getTime() - rows[0]!.created_at.getTime()).toBe(10 * MINUTE);
  });

  it('keys the hash with the server secret: another process with the same secret verifies, a copy of the database alone cannot', async () => {
    const secret = 's'.repeat(40);
    const issuer = new CodeService(ctx.db, { now: clock.now, secret });
    const sameSecret = new CodeService(ctx.db, { now: clock.now, secret });
    const { address } = target();
    const check = (service: CodeService, code: string) =>
      service.consume(
        { purpose: 'reset_password', target: address },
        code,
        async (_tx, row: CodeRow) => row.id,
      );

    await issuer.issue({
      purpose: 'reset_password',
      target: { kind: 'email', address },
      accountId: null,
      locale: 'en-US',
    });
    const code = await lastCode(ctx.db, address);
    // Without the secret (or with another one) the right code does not verify: even the row's
    // context is keyed, so it is not found at all.
    await expect(check(codes, code)).rejects.toMatchObject({ code: 'code_not_requested' });
    await expect(
      check(new CodeService(ctx.db, { now: clock.now, secret: 'x'.repeat(40) }), code),
    ).rejects.toMatchObject({
      code: 'code_not_requested',
    });
    await expect(check(sameSecret, code)).resolves.toEqual(expect.any(String));
  });

  it('accepts the right code once; a second use is code_used', async () => {
    const { address } = target();
    await issue(address);
    const code = await lastCode(ctx.db, address);
    await expect(consume(address, ` ${code.slice(0, 3)} ${code.slice(3)} `)).resolves.toEqual(
      expect.any(String),
    );
    await expect(consume(address, code)).rejects.toMatchObject({ kind: 'invalid_state', code: 'code_used' });
  });

  it('counts wrong codes and refuses even the right one after 5 attempts', async () => {
    const { address } = target();
    await issue(address);
    const code = await lastCode(ctx.db, address);
    for (let remaining = 4; remaining >= 0; remaining--) {
      await expect(consume(address, otherCode(code))).rejects.toMatchObject({
        kind: 'unauthenticated',
        code: 'wrong_code',
        details: { remainingAttempts: remaining },
      });
    }
    await expect(consume(address, code)).rejects.toMatchObject({ code: 'code_attempts_exhausted' });
  });

  it('does not count a malformed code as an attempt', async () => {
    const { address } = target();
    await issue(address);
    await expect(consume(address, '12ab')).rejects.toMatchObject({
      kind: 'invalid_input',
      code: 'code_format',
    });
    await expect(consume(address, otherCode(await lastCode(ctx.db, address)))).rejects.toMatchObject({
      details: { remainingAttempts: 4 },
    });
  });

  it('expires after 10 minutes', async () => {
    const { address } = target();
    await issue(address);
    const code = await lastCode(ctx.db, address);
    clock.advance(10 * MINUTE);
    await expect(consume(address, code)).rejects.toMatchObject({
      kind: 'invalid_state',
      code: 'code_expired',
    });
  });

  it('answers code_not_requested when nothing was sent', async () => {
    await expect(consume(target().address, '123456')).rejects.toMatchObject({ code: 'code_not_requested' });
  });

  it('keeps only the newest code valid', async () => {
    const { address } = target();
    await issue(address);
    const first = await lastCode(ctx.db, address);
    clock.advance(MINUTE);
    await issue(address);
    const second = await lastCode(ctx.db, address);
    if (first !== second) {
      await expect(consume(address, first)).rejects.toMatchObject({ code: 'wrong_code' });
    }
    await expect(consume(address, second)).resolves.toBeDefined();
  });

  it('binds a code to its context: the same digits from elsewhere do not match', async () => {
    const { address } = target();
    await issue(address, { context: 'web:alice' });
    const code = await lastCode(ctx.db, address);
    await expect(consume(address, code, 'web:mallory')).rejects.toMatchObject({ code: 'code_not_requested' });
    await expect(consume(address, code, 'web:alice')).resolves.toBeDefined();
  });

  it("a stranger's wrong codes in another context never burn the owner's code, nor does a stranger's new code replace it", async () => {
    const { address } = target();
    await issue(address, { context: 'web:alice' });
    const code = await lastCode(ctx.db, address);
    for (let i = 0; i < 8; i++) {
      await expect(consume(address, otherCode(code), 'web:mallory')).rejects.toMatchObject({
        code: 'code_not_requested',
      });
    }
    // Mallory asks a code for the same phone in her own chat and exhausts it.
    clock.advance(MINUTE);
    await issue(address, { context: 'web:mallory' });
    const malloryCode = await lastCode(ctx.db, address);
    for (let i = 0; i < 5; i++)
      await consume(address, otherCode(malloryCode), 'web:mallory').catch(() => undefined);
    await expect(consume(address, malloryCode, 'web:mallory')).rejects.toMatchObject({
      code: 'code_attempts_exhausted',
    });
    // Alice's code is untouched: still valid, all attempts left.
    await expect(consume(address, code, 'web:alice')).resolves.toBeDefined();
  });

  it('limits sending per target: one a minute, five an hour, with the wait in retryAfterSeconds', async () => {
    const { address } = target();
    await issue(address);
    clock.advance(20_000);
    await expect(issue(address)).rejects.toMatchObject({
      kind: 'rate_limited',
      code: 'code_rate_limited',
      details: { retryAfterSeconds: 40 },
    });
    for (let i = 0; i < 4; i++) {
      clock.advance(MINUTE);
      await issue(address);
    }
    clock.advance(MINUTE);
    // Five sent within the hour: the oldest leaves the window 60 min after it was sent.
    const error = await issue(address).catch((e) => e);
    expect(error).toMatchObject({ kind: 'rate_limited' });
    expect(error.details.retryAfterSeconds).toBe(3600 - (20 + 5 * 60));
    // Another target is not affected.
    await expect(issue(target().address)).resolves.toBeUndefined();
    clock.advance(error.details.retryAfterSeconds * 1000);
    await expect(issue(address)).resolves.toBeUndefined();
    expect(await codeEvents(ctx.db, address)).toHaveLength(6);
  });

  it('lets only one of two concurrent requests to one target through', async () => {
    const { address } = target();
    const results = await Promise.allSettled([issue(address), issue(address), issue(address)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await codeEvents(ctx.db, address)).toHaveLength(1);
  });

  it('a decoy sends nothing, never matches, yet rate-limits like a real code', async () => {
    const { address } = target();
    await issue(address, { decoy: true });
    expect(await codeEvents(ctx.db, address)).toHaveLength(0);
    await expect(consume(address, '000000')).rejects.toMatchObject({ code: 'wrong_code' });
    await expect(issue(address, { decoy: true })).rejects.toMatchObject({ kind: 'rate_limited' });
  });
});
