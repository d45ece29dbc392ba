import { describeEachDriver } from '../support/db';
import { ADMIN, Clock, openAccount, organization, type Services, services } from './account-fixtures';

describeEachDriver('identities (F3, S1)', (ctx) => {
  const clock = new Clock();
  let svc: Services;
  beforeAll(() => {
    svc = services(ctx.db, clock);
  });

  it('lists, gets and adds identities', async () => {
    const { account, identities } = await openAccount(ctx.db, svc, { identityCount: 2 });
    expect(await svc.identities.listForAccount(account.id)).toEqual(identities);
    expect(await svc.identities.get(identities[0]!.id)).toEqual(identities[0]);
    const other = await organization(svc, 'Other');
    const added = await svc.identities.add(ADMIN, account.id, {
      organizationId: other.id,
      displayName: ' Buyer ',
      orgWide: true,
    });
    expect(added).toMatchObject({
      accountId: account.id,
      organizationId: other.id,
      organizationName: other.name,
      displayName: 'Buyer',
      orgWide: true,
    });
    expect((await svc.identities.listForAccount(account.id)).map((i) => i.id)).toEqual([
      ...identities.map((i) => i.id),
      added.id,
    ]);
    await expect(
      svc.identities.add(ADMIN, account.id, { organizationId: 'x', displayName: 'A' }),
    ).rejects.toMatchObject({
      code: 'organization_not_found',
    });
    await expect(
      svc.identities.add(ADMIN, account.id, { organizationId: other.id, displayName: '' }),
    ).rejects.toMatchObject({
      code: 'displayName_required',
    });
    await expect(
      svc.identities.add(ADMIN, '6f1e0000-0000-4000-8000-000000000000', {
        organizationId: other.id,
        displayName: 'A',
      }),
    ).rejects.toMatchObject({ code: 'account_not_found' });
    await expect(svc.identities.get('nope')).rejects.toMatchObject({ code: 'identity_not_found' });
  });

  it('unbinding hides the identity at once; a binding on it falls back to the only one left', async () => {
    const { account, identities, phone, password } = await openAccount(ctx.db, svc, {
      ownPassword: true,
      identityCount: 2,
    });
    const [a, b] = identities;
    await svc.bindings.signInWithPassword('web', 'u-fallback', phone, password);
    await svc.bindings.selectIdentity('web', 'u-fallback', a!.id);
    await svc.identities.unbind(ADMIN, a!.id);
    expect(await svc.identities.listForAccount(account.id)).toEqual([b]);
    await expect(svc.identities.get(a!.id)).rejects.toMatchObject({ code: 'identity_not_found' });
    expect(await svc.bindings.actor('web', 'u-fallback')).toEqual({
      accountId: account.id,
      identityId: b!.id,
    });
    await expect(svc.identities.unbind(ADMIN, a!.id)).rejects.toMatchObject({
      code: 'identity_already_unbound',
    });
  });

  it('with several left, the binding asks the customer to pick; with none left it says so', async () => {
    const { account, identities, phone, password } = await openAccount(ctx.db, svc, {
      ownPassword: true,
      identityCount: 3,
    });
    await svc.bindings.signInWithPassword('teams', 'u-pick', phone, password);
    await svc.bindings.selectIdentity('teams', 'u-pick', identities[2]!.id);
    await svc.identities.unbind(ADMIN, identities[2]!.id);
    await expect(svc.bindings.actor('teams', 'u-pick')).rejects.toMatchObject({
      kind: 'invalid_state',
      code: 'identity_required',
      details: { available: 2 },
    });
    // Other bindings of the account (on a still-bound identity) are not touched.
    await svc.bindings.signInWithPassword('wecom', 'u-other', phone, password);
    await svc.bindings.selectIdentity('wecom', 'u-other', identities[0]!.id);
    await svc.identities.unbind(ADMIN, identities[1]!.id);
    expect(await svc.bindings.actor('wecom', 'u-other')).toEqual({
      accountId: account.id,
      identityId: identities[0]!.id,
    });
    await svc.identities.unbind(ADMIN, identities[0]!.id);
    await expect(svc.bindings.actor('wecom', 'u-other')).rejects.toMatchObject({
      code: 'identity_required',
      details: { available: 0 },
    });
    // Staff add a new identity: the chats waiting for one start acting as it.
    const added = await svc.identities.add(ADMIN, account.id, {
      organizationId: identities[0]!.organizationId,
      displayName: 'New',
    });
    expect(await svc.bindings.actor('wecom', 'u-other')).toEqual({
      accountId: account.id,
      identityId: added.id,
    });
    expect(await svc.bindings.actor('teams', 'u-pick')).toEqual({
      accountId: account.id,
      identityId: added.id,
    });
  });

  it('colleagues: other people of the same organization, still bound', async () => {
    const me = await openAccount(ctx.db, svc);
    const org = me.org;
    const mine = me.identities[0]!;
    const other = await openAccount(ctx.db, svc);
    const colleague = await svc.identities.add(ADMIN, other.account.id, {
      organizationId: org.id,
      displayName: 'Colleague',
    });
    const gone = await svc.identities.add(ADMIN, other.account.id, {
      organizationId: org.id,
      displayName: 'Gone',
    });
    await svc.identities.unbind(ADMIN, gone.id);
    // My own second identity in the organization is not a colleague, nor is someone of another organization.
    await svc.identities.add(ADMIN, me.account.id, { organizationId: org.id, displayName: 'Me again' });
    const actor = { accountId: me.account.id, identityId: mine.id };
    expect(await svc.identities.colleagues(actor)).toEqual([colleague]);
    await expect(
      svc.identities.colleagues({ accountId: other.account.id, identityId: mine.id }),
    ).rejects.toMatchObject({
      kind: 'forbidden',
      code: 'identity_not_yours',
    });
    await svc.identities.unbind(ADMIN, mine.id);
    await expect(svc.identities.colleagues(actor)).rejects.toMatchObject({
      kind: 'forbidden',
      code: 'identity_unbound',
    });
  });
});
