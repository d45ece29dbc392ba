import type { AppContext } from '../../../app/context';
import { defineRoute } from '../registry';
import {
  Account,
  AccountPath,
  AccountView,
  AddIdentityBody,
  CreateAccountBody,
  Identity,
  IdentityList,
  IdentityPath,
  OpenedAccount,
  RevokedBindings,
} from '../schemas';

const TAG = 'Accounts';

/** The account with its bound identities and chat bindings (chat user ids stay private). */
async function accountView(ctx: AppContext, accountId: string) {
  const account = await ctx.services.accounts.get(accountId);
  const [identities, bindings] = await Promise.all([
    ctx.services.identities.listForAccount(accountId),
    ctx.services.bindings.listForAccount(accountId),
  ]);
  return { account, identities, bindings };
}

export const accountRoutes = [
  defineRoute({
    operationId: 'openAccount',
    method: 'post',
    path: '/accounts',
    tag: TAG,
    summary: 'Open a customer account (F1)',
    description:
      'Creates the account with its identities and a generated initial password, which the customer ' +
      'receives by SMS (and email when given) and must change at first sign-in. The password is never ' +
      'part of the response. Retry safely with the same Idempotency-Key: one account, one message.',
    role: 'admin',
    body: CreateAccountBody,
    status: 201,
    response: OpenedAccount,
    idempotent: true,
    conflicts: true,
    notFound: true,
    handler: ({ ctx, actor, body }) => ctx.services.accounts.open(actor, body),
  }),
  defineRoute({
    operationId: 'getAccount',
    method: 'get',
    path: '/accounts/:accountId',
    tag: TAG,
    summary: 'Get an account with its identities and chat bindings',
    role: 'agent',
    params: AccountPath,
    status: 200,
    response: AccountView,
    handler: ({ ctx, params }) => accountView(ctx, params.accountId),
  }),
  defineRoute({
    operationId: 'resetAccountPassword',
    method: 'post',
    path: '/accounts/:accountId/password-reset',
    tag: TAG,
    summary: 'Send a new initial password',
    description:
      'A new initial password goes to the customer like at account opening; it must be changed at sign-in.',
    role: 'admin',
    params: AccountPath,
    status: 202,
    response: AccountView,
    handler: async ({ ctx, actor, params }) => {
      await ctx.services.accounts.resetPasswordByStaff(actor, params.accountId);
      return accountView(ctx, params.accountId);
    },
  }),
  defineRoute({
    operationId: 'lockAccount',
    method: 'post',
    path: '/accounts/:accountId/lock',
    tag: TAG,
    summary: 'Lock (disable) an account',
    description: 'A locked account cannot sign in; chats already bound stay bound until revoked.',
    role: 'admin',
    params: AccountPath,
    status: 200,
    response: Account,
    handler: ({ ctx, actor, params }) => ctx.services.accounts.setDisabled(actor, params.accountId, true),
  }),
  defineRoute({
    operationId: 'unlockAccount',
    method: 'post',
    path: '/accounts/:accountId/unlock',
    tag: TAG,
    summary: 'Unlock an account',
    description: 'Also clears a temporary lockout after repeated wrong passwords.',
    role: 'admin',
    params: AccountPath,
    status: 200,
    response: Account,
    handler: ({ ctx, actor, params }) => ctx.services.accounts.setDisabled(actor, params.accountId, false),
  }),
  defineRoute({
    operationId: 'revokeChatBindings',
    method: 'delete',
    path: '/accounts/:accountId/bindings',
    tag: TAG,
    summary: 'Sign every chat user of the account out',
    role: 'admin',
    params: AccountPath,
    status: 200,
    response: RevokedBindings,
    handler: async ({ ctx, actor, params }) => {
      await ctx.services.accounts.get(params.accountId);
      return { revoked: await ctx.services.bindings.revokeAll(actor, params.accountId) };
    },
  }),
  defineRoute({
    operationId: 'listIdentities',
    method: 'get',
    path: '/accounts/:accountId/identities',
    tag: 'Identities',
    summary: "List an account's identities",
    role: 'agent',
    params: AccountPath,
    status: 200,
    response: IdentityList,
    handler: async ({ ctx, params }) => {
      await ctx.services.accounts.get(params.accountId);
      return { items: await ctx.services.identities.listForAccount(params.accountId) };
    },
  }),
  defineRoute({
    operationId: 'addIdentity',
    method: 'post',
    path: '/accounts/:accountId/identities',
    tag: 'Identities',
    summary: 'Add an identity to an account (F3)',
    role: 'admin',
    params: AccountPath,
    body: AddIdentityBody,
    status: 201,
    response: Identity,
    idempotent: true,
    conflicts: true,
    handler: ({ ctx, actor, params, body }) => ctx.services.identities.add(actor, params.accountId, body),
  }),
  defineRoute({
    operationId: 'unbindIdentity',
    method: 'delete',
    path: '/identities/:identityId',
    tag: 'Identities',
    summary: 'Unbind an identity',
    description:
      "The identity leaves the customer's list at once; chats acting as it fall back to another identity " +
      'or ask the customer to pick one. Its tickets are kept.',
    role: 'admin',
    params: IdentityPath,
    status: 204,
    conflicts: true,
    handler: ({ ctx, actor, params }) => ctx.services.identities.unbind(actor, params.identityId),
  }),
];
