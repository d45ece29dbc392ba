import { createHash, randomBytes } from 'node:crypto';
import {
  accountById,
  accountByLogin,
  accountDisabled,
  accountLocked,
  cleanLocale,
  parseLogin,
  toAccount,
} from './accounts';
import { type CodeService, originContext } from './codes';
import type {
  AccountService,
  BindingService,
  ChatBinding,
  ChatChannel,
  CustomerActor,
  Identity,
  SignInResult,
  StaffActor,
  WebTokenPurpose,
} from './contracts';
import type { Database, Queryable } from './db/database';
import { DomainError, forbidden, invalidInput, invalidState, notFound } from './errors';
import { boundIdentities, IDENTITY_SELECT, type IdentityRow, isUuid, toIdentity } from './identities';

/**
 * F2: a chat user (channel, chat user id) bound to an account, its active identity (F3), its
 * conversation reference for proactive pushes, and one-time links to the web pages.
 *
 * Error codes (DomainError.code):
 * - not_signed_in (unauthenticated): the chat user is not bound: offer sign-in.
 * - password_change_required (forbidden): signed in with an initial or staff-reset password, which
 *   must be changed (on the secure page) before anything else.
 * - identity_required (invalid_state): bound, but no identity is active (several to pick from, or
 *   the active one was unbound and several remain); details.available = how many to pick from.
 * - identity_unbound (forbidden): the chosen identity was unbound by staff.
 * - identity_not_found (not_found): selectIdentity with an identity that is not this account's.
 * - account_disabled (locked): staff disabled the account; the binding stays for when it is enabled.
 * - web_token_unknown (not_found), web_token_expired / web_token_used / web_token_revoked
 *   (invalid_state; revoked = the chat user signed out or into another account since).
 * - plus the errors of AccountService.verifyPassword and of the codes (services/codes.ts).
 */

const CHANNELS: readonly ChatChannel[] = ['web', 'teams', 'wecom', 'wechat_kf'];
const PURPOSES: readonly WebTokenPurpose[] = ['sign_in', 'change_password', 'forgot_password'];
const CHAT_USER_MAX = 256;

interface BindingRow {
  channel: ChatChannel;
  chat_user_id: string;
  account_id: string | null;
  active_identity_id: string | null;
  conversation_ref: unknown;
  reachable: boolean;
  locale: string | null;
}

function toBinding(row: BindingRow): ChatBinding {
  return {
    channel: row.channel,
    chatUserId: row.chat_user_id,
    accountId: row.account_id,
    activeIdentityId: row.active_identity_id,
    conversationRef: row.conversation_ref,
    reachable: row.reachable,
    locale: row.locale,
  };
}

function checkChatUser(channel: ChatChannel, chatUserId: string): void {
  if (!CHANNELS.includes(channel)) throw invalidInput('channel', 'invalid_channel', 'unknown chat channel');
  if (typeof chatUserId !== 'string' || chatUserId === '' || chatUserId.length > CHAT_USER_MAX) {
    throw invalidInput('chatUserId', 'invalid_chat_user', 'not a chat user id');
  }
}

const passwordChangeRequired = () =>
  new DomainError('forbidden', 'password_change_required', 'the initial password must be changed first');

const notSignedIn = () =>
  new DomainError('unauthenticated', 'not_signed_in', 'the chat user is not signed in');

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** A sign-in code is bound to the chat user that asked for it. */
const chatContext = (channel: ChatChannel, chatUserId: string) => originContext({ channel, chatUserId });

export interface BindingOptions {
  accounts: AccountService;
  codes: CodeService;
  webTokenMinutes?: number;
  now?: () => Date;
}

interface WebTokenRow {
  id: string;
  purpose: WebTokenPurpose;
  channel: ChatChannel;
  chat_user_id: string;
  account_id: string | null;
  expires_at: Date;
  used_at: Date | null;
  bound_account_id: string | null;
}

export class DbBindingService implements BindingService {
  private readonly accounts: AccountService;
  private readonly codes: CodeService;
  private readonly tokenMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    options: BindingOptions,
  ) {
    this.accounts = options.accounts;
    this.codes = options.codes;
    this.tokenMs = (options.webTokenMinutes ?? 10) * 60_000;
    this.now = options.now ?? (() => new Date());
  }

  async touch(
    channel: ChatChannel,
    chatUserId: string,
    update: { conversationRef?: unknown; locale?: string } = {},
  ): Promise<ChatBinding> {
    checkChatUser(channel, chatUserId);
    const ref = update.conversationRef === undefined ? null : JSON.stringify(update.conversationRef);
    const locale = update.locale === undefined ? null : cleanLocale(update.locale);
    // Speaking proves the chat user is reachable again; a missing reference or locale keeps the stored one.
    const { rows } = await this.db.query<BindingRow>(
      `insert into chat_bindings (channel, chat_user_id, conversation_ref, locale, last_seen_at, created_at)
       values ($1, $2, $3::jsonb, $4, $5, $5)
       on conflict (channel, chat_user_id) do update set
         conversation_ref = coalesce(excluded.conversation_ref, chat_bindings.conversation_ref),
         locale = coalesce(excluded.locale, chat_bindings.locale),
         last_seen_at = excluded.last_seen_at,
         reachable = true
       returning *`,
      [channel, chatUserId, ref, locale, this.now()],
    );
    return toBinding(rows[0]!);
  }

  async get(channel: ChatChannel, chatUserId: string): Promise<ChatBinding | undefined> {
    const { rows } = await this.db.query<BindingRow>(
      'select * from chat_bindings where channel = $1 and chat_user_id = $2',
      [channel, chatUserId],
    );
    return rows[0] && toBinding(rows[0]);
  }

  async actor(channel: ChatChannel, chatUserId: string): Promise<CustomerActor> {
    const { rows } = await this.db.query<{
      account_id: string | null;
      active_identity_id: string | null;
      disabled_at: Date | null;
      must_change_password: boolean | null;
      identity_account_id: string | null;
      unbound_at: Date | null;
    }>(
      `select b.account_id, b.active_identity_id, a.disabled_at, a.must_change_password,
              i.account_id as identity_account_id, i.unbound_at
       from chat_bindings b
       left join accounts a on a.id = b.account_id
       left join identities i on i.id = b.active_identity_id
       where b.channel = $1 and b.chat_user_id = $2`,
      [channel, chatUserId],
    );
    const row = rows[0];
    if (!row?.account_id) throw notSignedIn();
    if (row.disabled_at) throw accountDisabled();
    // An initial (or staff-reset) password is changed before anything else, whatever the sign-in path.
    if (row.must_change_password) throw passwordChangeRequired();
    if (!row.active_identity_id) {
      const available = (await boundIdentities(this.db, row.account_id)).length;
      throw invalidState('identity_required', 'pick an identity first', { available });
    }
    if (row.unbound_at || row.identity_account_id !== row.account_id) {
      throw forbidden('identity_unbound', 'this identity was unbound: pick another');
    }
    return { accountId: row.account_id, identityId: row.active_identity_id };
  }

  /** Binds the chat user to the account; the only identity becomes active, several wait for a pick. */
  private async bind(tx: Queryable, channel: ChatChannel, chatUserId: string, accountId: string) {
    const identities = await boundIdentities(tx, accountId);
    const activeIdentityId = identities.length === 1 ? identities[0]!.id : null;
    const now = this.now();
    await tx.query(
      `insert into chat_bindings (channel, chat_user_id, account_id, active_identity_id, bound_at, last_seen_at, created_at)
       values ($1, $2, $3, $4, $5, $5, $5)
       on conflict (channel, chat_user_id) do update set
         account_id = excluded.account_id, active_identity_id = excluded.active_identity_id,
         bound_at = excluded.bound_at, last_seen_at = excluded.last_seen_at, reachable = true`,
      [channel, chatUserId, accountId, activeIdentityId, now],
    );
    return { identities, activeIdentityId };
  }

  async signInWithPassword(
    channel: ChatChannel,
    chatUserId: string,
    login: string,
    password: string,
  ): Promise<SignInResult> {
    checkChatUser(channel, chatUserId);
    const account = await this.accounts.verifyPassword(login, password);
    const bound = await this.db.transaction((tx) => this.bind(tx, channel, chatUserId, account.id));
    return { account, ...bound };
  }

  async requestSignInCode(
    channel: ChatChannel,
    chatUserId: string,
    login: string,
    locale: string,
  ): Promise<void> {
    checkChatUser(channel, chatUserId);
    const parsed = parseLogin(login);
    const row = await accountByLogin(this.db, parsed);
    // Unknown or disabled: a decoy that answers and rate-limits alike but sends nothing.
    const decoy = !row || row.disabled_at !== null;
    await this.codes.issue({
      purpose: 'sign_in',
      target: parsed,
      accountId: decoy ? null : row.id,
      context: chatContext(channel, chatUserId),
      origin: { channel, chatUserId },
      locale: row?.locale ?? locale,
      decoy,
    });
  }

  async signInWithCode(
    channel: ChatChannel,
    chatUserId: string,
    login: string,
    code: string,
  ): Promise<SignInResult> {
    checkChatUser(channel, chatUserId);
    const parsed = parseLogin(login);
    return this.codes.consume(
      { purpose: 'sign_in', target: parsed.address, context: chatContext(channel, chatUserId) },
      code,
      async (tx, codeRow) => {
        const row = codeRow.account_id ? await accountById(tx, codeRow.account_id) : undefined;
        if (!row) throw notFound('account');
        if (row.disabled_at) throw accountDisabled();
        // A lockout (too many wrong passwords) holds on this path too. Thrown inside the code's
        // transaction, it rolls the code's use back: the code still works once the lock has passed.
        const now = this.now();
        if (row.locked_until && row.locked_until > now) throw accountLocked(row.locked_until, now);
        const bound = await this.bind(tx, channel, chatUserId, row.id);
        return { account: toAccount(row, this.now()), ...bound };
      },
    );
  }

  async selectIdentity(channel: ChatChannel, chatUserId: string, identityId: string): Promise<Identity> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ account_id: string | null }>(
        'select account_id from chat_bindings where channel = $1 and chat_user_id = $2 for update',
        [channel, chatUserId],
      );
      const accountId = rows[0]?.account_id;
      if (!accountId) throw notSignedIn();
      const { rows: found } = await tx.query<IdentityRow>(
        `${IDENTITY_SELECT} where i.id = $1 and i.account_id = $2`,
        [isUuid(identityId) ? identityId : null, accountId],
      );
      const identity = found[0];
      // Another account's identity is indistinguishable from one that does not exist.
      if (!identity) throw notFound('identity');
      if (identity.unbound_at) throw forbidden('identity_unbound', 'this identity was unbound');
      await tx.query(
        'update chat_bindings set active_identity_id = $3 where channel = $1 and chat_user_id = $2',
        [channel, chatUserId, identity.id],
      );
      return toIdentity(identity);
    });
  }

  async signOut(channel: ChatChannel, chatUserId: string): Promise<void> {
    await this.db.query(
      `update chat_bindings set account_id = null, active_identity_id = null, bound_at = null
       where channel = $1 and chat_user_id = $2`,
      [channel, chatUserId],
    );
  }

  async revokeAll(_staff: StaffActor, accountId: string): Promise<number> {
    if (!isUuid(accountId)) throw notFound('account');
    if (!(await accountById(this.db, accountId))) throw notFound('account');
    const { rowCount } = await this.db.query(
      `update chat_bindings set account_id = null, active_identity_id = null, bound_at = null
       where account_id = $1`,
      [accountId],
    );
    return rowCount;
  }

  async listForAccount(accountId: string): Promise<ChatBinding[]> {
    if (!isUuid(accountId)) return [];
    const { rows } = await this.db.query<BindingRow>(
      'select * from chat_bindings where account_id = $1 order by bound_at, channel, chat_user_id',
      [accountId],
    );
    return rows.map(toBinding);
  }

  async markUnreachable(channel: ChatChannel, chatUserId: string): Promise<void> {
    await this.db.query(
      'update chat_bindings set reachable = false where channel = $1 and chat_user_id = $2',
      [channel, chatUserId],
    );
  }

  async setLocale(channel: ChatChannel, chatUserId: string, locale: string): Promise<void> {
    await this.touch(channel, chatUserId, { locale });
  }

  // ---------------------------------------------------------------- one-time web links

  async createWebToken(purpose: WebTokenPurpose, channel: ChatChannel, chatUserId: string): Promise<string> {
    checkChatUser(channel, chatUserId);
    if (!PURPOSES.includes(purpose)) throw invalidInput('purpose', 'invalid_purpose', 'unknown web page');
    const binding = await this.get(channel, chatUserId);
    const accountId = binding?.accountId ?? null;
    if (purpose === 'change_password' && !accountId) throw notSignedIn();
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    await this.db.query(
      `insert into web_tokens (token_hash, purpose, channel, chat_user_id, account_id, expires_at, created_at)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [sha256(token), purpose, channel, chatUserId, accountId, new Date(now.getTime() + this.tokenMs), now],
    );
    return token;
  }

  async peekWebToken(token: string, purpose: WebTokenPurpose) {
    const row = await this.loadToken(this.db, token, purpose, false);
    return { channel: row.channel, chatUserId: row.chat_user_id, accountId: row.account_id };
  }

  async consumeWebToken(token: string, purpose: WebTokenPurpose) {
    const row = await this.db.transaction(async (tx) => {
      // Locked: of two concurrent uses, the second waits and then finds the token used.
      const found = await this.loadToken(tx, token, purpose, true);
      await tx.query('update web_tokens set used_at = $2 where id = $1', [found.id, this.now()]);
      return found;
    });
    return { channel: row.channel, chatUserId: row.chat_user_id, accountId: row.account_id };
  }

  private async loadToken(
    q: Queryable,
    token: string,
    purpose: WebTokenPurpose,
    lock: boolean,
  ): Promise<WebTokenRow> {
    // Only a plausible token is worth hashing and looking up (32 bytes in base64url = 43 characters).
    const plausible = typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token);
    const { rows } = plausible
      ? await q.query<WebTokenRow>(
          `select t.id, t.purpose, t.channel, t.chat_user_id, t.account_id, t.expires_at, t.used_at,
             b.account_id as bound_account_id
           from web_tokens t
           left join chat_bindings b on b.channel = t.channel and b.chat_user_id = t.chat_user_id
           where t.token_hash = $1 ${lock ? 'for update of t' : ''}`,
          [sha256(token)],
        )
      : { rows: [] };
    const row = rows[0];
    if (!row || row.purpose !== purpose)
      throw new DomainError('not_found', 'web_token_unknown', 'unknown link');
    if (row.used_at) throw invalidState('web_token_used', 'this link was already used');
    if (row.expires_at <= this.now()) throw invalidState('web_token_expired', 'this link has expired');
    // A link made for a signed-in account dies when the chat user signs out or into another account.
    if (row.account_id && row.bound_account_id !== row.account_id) {
      throw invalidState('web_token_revoked', 'this link is no longer valid');
    }
    return row;
  }
}
