import { type CodeService, type CodeTarget, originContext } from './codes';
import type {
  Account,
  AccountService,
  ChatOrigin,
  Identity,
  OpenAccountInput,
  Organization,
  OrganizationService,
  StaffActor,
} from './contracts';
import { type Database, isUniqueViolation, type Queryable } from './db/database';
import { DomainError, invalidInput, notFound } from './errors';
import { enqueue } from './events';
import { cleanName, insertIdentities, isUuid } from './identities';
import { checkPasswordPolicy, generateInitialPassword, type PasswordHasher } from './passwords';

/**
 * Customer accounts (F1, F11, F12, F13) and organizations (S1).
 *
 * Error codes (DomainError.code):
 * - wrong_credentials (unauthenticated): unknown login or wrong password; details.remainingAttempts
 *   for a known account (the lockout itself already shows that an account exists).
 * - account_locked (locked): too many wrong passwords; details.retryAfterSeconds, lockedUntil.
 * - account_disabled (locked): staff locked the account (shown only after a correct password).
 * - login_taken (conflict): the phone or email belongs to another account; details.field.
 * - login_required, invalid_phone, invalid_email, invalid_login, password_* (invalid_input).
 * - password_unchanged (invalid_input): the new password equals the current one.
 * - contact_unchanged (invalid_input): the "new" phone/email is the current one.
 * - the code errors of services/codes.ts.
 */

// ---------------------------------------------------------------- logins

/** E.164. A bare 11-digit mainland mobile number gets +86; any other number needs its country code. */
export function normalizePhone(input: string): string {
  let phone = String(input).replace(/[\s\-().]/g, '');
  if (phone.startsWith('00')) phone = `+${phone.slice(2)}`;
  if (/^1\d{10}$/.test(phone)) phone = `+86${phone}`;
  else if (/^861\d{10}$/.test(phone)) phone = `+${phone}`;
  if (!/^\+[1-9]\d{6,14}$/.test(phone)) throw invalidInput('phone', 'invalid_phone', 'not a phone number');
  return phone;
}

export function normalizeEmail(input: string): string {
  const email = String(input).trim().toLowerCase();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw invalidInput('email', 'invalid_email', 'not an email address');
  }
  return email;
}

export interface Login extends CodeTarget {
  field: 'phone' | 'email';
}

/** A login is an email when it has an @, else a phone. */
export function parseLogin(login: string): Login {
  const text = typeof login === 'string' ? login.trim() : '';
  try {
    return text.includes('@')
      ? { field: 'email', kind: 'email', address: normalizeEmail(text) }
      : { field: 'phone', kind: 'sms', address: normalizePhone(text) };
  } catch {
    throw invalidInput('login', 'invalid_login', 'enter a phone number or an email address');
  }
}

// ---------------------------------------------------------------- rows

export interface AccountRow {
  id: string;
  phone: string | null;
  email: string | null;
  name: string;
  avatar_ref: string | null;
  locale: string | null;
  password_hash: string;
  must_change_password: boolean;
  failed_sign_ins: number;
  locked_until: Date | null;
  disabled_at: Date | null;
  created_at: Date;
}

export function toAccount(row: AccountRow, now: Date): Account {
  return {
    id: row.id,
    phone: row.phone,
    email: row.email,
    name: row.name,
    avatarRef: row.avatar_ref,
    locale: row.locale,
    mustChangePassword: row.must_change_password,
    // A lock that has run out is no lock.
    lockedUntil: row.locked_until && row.locked_until > now ? row.locked_until : null,
    disabled: row.disabled_at !== null,
    createdAt: row.created_at,
  };
}

export async function accountById(q: Queryable, id: string): Promise<AccountRow | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await q.query<AccountRow>('select * from accounts where id = $1', [id]);
  return rows[0];
}

export async function accountByLogin(q: Queryable, login: Login): Promise<AccountRow | undefined> {
  const { rows } = await q.query<AccountRow>(`select * from accounts where ${login.field} = $1`, [
    login.address,
  ]);
  return rows[0];
}

const loginTaken = (field: string) =>
  new DomainError('conflict', 'login_taken', 'this phone or email belongs to another account', { field });

export const accountDisabled = () => new DomainError('locked', 'account_disabled', 'the account is disabled');

/** Too many wrong passwords: no sign-in, by password or by code, until `until`. */
export const accountLocked = (until: Date, now: Date) =>
  new DomainError('locked', 'account_locked', 'too many wrong passwords: try again later', {
    retryAfterSeconds: Math.ceil((until.getTime() - now.getTime()) / 1000),
    lockedUntil: until.toISOString(),
  });

const LOCALE = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;
const AVATAR_MAX = 500;

export function cleanLocale(locale: string): string {
  if (typeof locale !== 'string' || !LOCALE.test(locale))
    throw invalidInput('locale', 'invalid_locale', 'unknown locale');
  return locale;
}

// ---------------------------------------------------------------- accounts

export interface AccountOptions {
  hasher: PasswordHasher;
  codes: CodeService;
  /** Wrong passwords in a row before a temporary lock. */
  maxFailedSignIns?: number;
  lockMinutes?: number;
  now?: () => Date;
}

export class DbAccountService implements AccountService {
  private readonly hasher: PasswordHasher;
  private readonly codes: CodeService;
  private readonly maxFailures: number;
  private readonly lockMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    options: AccountOptions,
  ) {
    this.hasher = options.hasher;
    this.codes = options.codes;
    this.maxFailures = options.maxFailedSignIns ?? 5;
    this.lockMs = (options.lockMinutes ?? 15) * 60_000;
    this.now = options.now ?? (() => new Date());
  }

  async open(
    _staff: StaffActor,
    input: OpenAccountInput,
  ): Promise<{ account: Account; identities: Identity[] }> {
    const name = cleanName('name', input.name);
    const phone = input.phone ? normalizePhone(input.phone) : null;
    const email = input.email ? normalizeEmail(input.email) : null;
    if (!phone && !email) throw invalidInput('login', 'login_required', 'a phone or an email is required');
    if (!Array.isArray(input.identities) || input.identities.length === 0) {
      throw invalidInput('identities', 'identities_required', 'at least one identity is required');
    }
    const locale = input.locale ? cleanLocale(input.locale) : null;
    const password = generateInitialPassword();
    const hash = await this.hasher.hash(password);
    try {
      return await this.db.transaction(async (tx) => {
        const { rows: taken } = await tx.query<{ phone: string | null; email: string | null }>(
          'select phone, email from accounts where phone = $1 or email = $2',
          [phone, email],
        );
        if (taken[0]) throw loginTaken(phone && taken.some((t) => t.phone === phone) ? 'phone' : 'email');
        const { rows } = await tx.query<AccountRow>(
          `insert into accounts (phone, email, name, locale, password_hash, must_change_password, created_at, updated_at)
           values ($1, $2, $3, $4, $5, true, $6, $6) returning *`,
          [phone, email, name, locale, hash, this.now()],
        );
        const row = rows[0]!;
        const identities = await insertIdentities(tx, row.id, input.identities);
        await enqueue(tx, {
          topic: 'account.credentials',
          accountId: row.id,
          reason: 'opened',
          secret: { password },
        });
        return { account: toAccount(row, this.now()), identities };
      });
    } catch (error) {
      // Two staff opening the same login at once: the loser sees the same answer as a plain duplicate.
      if (isUniqueViolation(error))
        throw loginTaken(String((error as Error).message).includes('phone') ? 'phone' : 'email');
      throw error;
    }
  }

  async get(accountId: string): Promise<Account> {
    const row = await accountById(this.db, accountId);
    if (!row) throw notFound('account');
    return toAccount(row, this.now());
  }

  async findByLogin(login: string): Promise<Account | undefined> {
    let parsed: Login;
    try {
      parsed = parseLogin(login);
    } catch {
      return undefined;
    }
    const row = await accountByLogin(this.db, parsed);
    return row && toAccount(row, this.now());
  }

  async verifyPassword(login: string, password: string): Promise<Account> {
    const parsed = parseLogin(login);
    const row = await accountByLogin(this.db, parsed);
    if (!row) {
      await this.hasher.dummyVerify(String(password));
      throw new DomainError('unauthenticated', 'wrong_credentials', 'wrong account or password');
    }
    const checked = await this.checkPassword(row, String(password));
    return toAccount(checked, this.now());
  }

  /**
   * The password check behind sign-in and password change: refuses while locked, counts a wrong
   * password (locking at the threshold), and on success clears the counter and upgrades an old hash.
   */
  private async checkPassword(row: AccountRow, password: string): Promise<AccountRow> {
    const now = this.now();
    if (row.locked_until && row.locked_until > now) throw this.lockedError(row.locked_until, now);
    const ok = await this.hasher.verify(password, row.password_hash);
    if (!ok) {
      const { rows } = await this.db.query<{ failed_sign_ins: number; locked_until: Date | null }>(
        `update accounts set
           failed_sign_ins = case when failed_sign_ins + 1 >= $2 then 0 else failed_sign_ins + 1 end,
           locked_until = case when failed_sign_ins + 1 >= $2 then $3 else locked_until end
         where id = $1 returning failed_sign_ins, locked_until`,
        [row.id, this.maxFailures, new Date(now.getTime() + this.lockMs)],
      );
      const after = rows[0]!;
      if (after.locked_until && after.locked_until > now) throw this.lockedError(after.locked_until, now);
      throw new DomainError('unauthenticated', 'wrong_credentials', 'wrong account or password', {
        remainingAttempts: this.maxFailures - after.failed_sign_ins,
      });
    }
    // Only a caller who knows the password learns that staff disabled the account.
    if (row.disabled_at) throw accountDisabled();
    let current = row;
    if (row.failed_sign_ins > 0 || row.locked_until) {
      const { rows } = await this.db.query<AccountRow>(
        'update accounts set failed_sign_ins = 0, locked_until = null where id = $1 returning *',
        [row.id],
      );
      current = rows[0] ?? row;
    }
    if (this.hasher.needsRehash(row.password_hash)) {
      // Conditional on the old hash, so a password changed meanwhile is never overwritten.
      await this.db.query('update accounts set password_hash = $3 where id = $1 and password_hash = $2', [
        row.id,
        row.password_hash,
        await this.hasher.hash(password),
      ]);
    }
    return current;
  }

  private lockedError(until: Date, now: Date): DomainError {
    return accountLocked(until, now);
  }

  async changePassword(accountId: string, current: string, next: string): Promise<void> {
    checkPasswordPolicy(next);
    const row = await accountById(this.db, accountId);
    if (!row) throw notFound('account');
    await this.checkPassword(row, String(current));
    if (next === current) throw invalidInput('password', 'password_unchanged', 'choose a new password');
    const hash = await this.hasher.hash(next);
    await this.db.query(
      'update accounts set password_hash = $2, must_change_password = false, updated_at = $3 where id = $1',
      [accountId, hash, this.now()],
    );
  }

  async requestPasswordReset(login: string, locale: string, origin?: ChatOrigin): Promise<void> {
    const parsed = parseLogin(login);
    const row = await accountByLogin(this.db, parsed);
    // An unknown or disabled login gets a decoy: same answer, same rate limit, nothing sent.
    const decoy = !row || row.disabled_at !== null;
    await this.codes.issue({
      purpose: 'reset_password',
      target: parsed,
      accountId: decoy ? null : row.id,
      context: origin ? originContext(origin) : undefined,
      origin,
      locale: row?.locale ?? locale,
      decoy,
    });
  }

  async resetPasswordWithCode(login: string, code: string, next: string, origin?: ChatOrigin): Promise<void> {
    checkPasswordPolicy(next);
    const parsed = parseLogin(login);
    const hash = await this.hasher.hash(next);
    const lookup = {
      purpose: 'reset_password' as const,
      target: parsed.address,
      context: origin ? originContext(origin) : undefined,
    };
    await this.codes.consume(lookup, code, async (tx, row) => {
      // Proving the phone/email also lifts a temporary lockout; a disabled account stays disabled.
      const { rowCount } = await tx.query(
        `update accounts set password_hash = $2, must_change_password = false, failed_sign_ins = 0,
           locked_until = null, updated_at = $3
         where id = $1 and disabled_at is null`,
        [row.account_id, hash, this.now()],
      );
      if (rowCount === 0) throw accountDisabled();
    });
  }

  async resetPasswordByStaff(_staff: StaffActor, accountId: string): Promise<void> {
    if (!(await accountById(this.db, accountId))) throw notFound('account');
    const password = generateInitialPassword();
    const hash = await this.hasher.hash(password);
    await this.db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        `update accounts set password_hash = $2, must_change_password = true, failed_sign_ins = 0,
           locked_until = null, updated_at = $3 where id = $1`,
        [accountId, hash, this.now()],
      );
      if (rowCount === 0) throw notFound('account');
      await enqueue(tx, { topic: 'account.credentials', accountId, reason: 'reset', secret: { password } });
    });
  }

  async setDisabled(_staff: StaffActor, accountId: string, disabled: boolean): Promise<Account> {
    if (!isUuid(accountId)) throw notFound('account');
    const now = this.now();
    // Unlocking also clears a temporary lockout, so staff can help a customer who locked themselves out.
    const { rows } = await this.db.query<AccountRow>(
      disabled
        ? 'update accounts set disabled_at = coalesce(disabled_at, $2), updated_at = $2 where id = $1 returning *'
        : `update accounts set disabled_at = null, failed_sign_ins = 0, locked_until = null, updated_at = $2
           where id = $1 returning *`,
      [accountId, now],
    );
    if (!rows[0]) throw notFound('account');
    return toAccount(rows[0], now);
  }

  async updateProfile(
    accountId: string,
    changes: { name?: string; avatarRef?: string | null; locale?: string },
  ): Promise<Account> {
    const sets: string[] = [];
    const params: unknown[] = [accountId];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (changes.name !== undefined) set('name', cleanName('name', changes.name));
    if (changes.avatarRef !== undefined) {
      const ref = changes.avatarRef;
      if (ref !== null && (typeof ref !== 'string' || ref === '' || ref.length > AVATAR_MAX)) {
        throw invalidInput('avatarRef', 'invalid_avatar', 'not an avatar reference');
      }
      set('avatar_ref', ref);
    }
    if (changes.locale !== undefined) set('locale', cleanLocale(changes.locale));
    if (sets.length === 0) return this.get(accountId);
    set('updated_at', this.now());
    if (!isUuid(accountId)) throw notFound('account');
    const { rows } = await this.db.query<AccountRow>(
      `update accounts set ${sets.join(', ')} where id = $1 returning *`,
      params,
    );
    if (!rows[0]) throw notFound('account');
    return toAccount(rows[0], this.now());
  }

  async requestContactChange(
    accountId: string,
    change: { phone: string } | { email: string },
    locale: string,
    origin?: ChatOrigin,
  ): Promise<void> {
    const target: Login =
      'phone' in change
        ? { field: 'phone', kind: 'sms', address: normalizePhone(change.phone) }
        : { field: 'email', kind: 'email', address: normalizeEmail(change.email) };
    const row = await accountById(this.db, accountId);
    if (!row) throw notFound('account');
    if (row[target.field] === target.address) {
      throw invalidInput(target.field, 'contact_unchanged', 'this is already your contact');
    }
    const other = await accountByLogin(this.db, target);
    if (other) throw loginTaken(target.field);
    await this.codes.issue({
      purpose: 'contact_change',
      target: { kind: target.kind, address: target.address },
      accountId,
      // Bound to the account: a code for someone else's change never confirms this one.
      context: accountId,
      origin,
      data: { field: target.field, value: target.address },
      locale,
    });
  }

  async confirmContactChange(accountId: string, code: string): Promise<Account> {
    if (!isUuid(accountId)) throw notFound('account');
    try {
      const row = await this.codes.consume(
        { purpose: 'contact_change', accountId, context: accountId },
        code,
        async (tx, codeRow) => {
          const field = codeRow.data.field === 'phone' ? 'phone' : 'email';
          const value = String(codeRow.data.value);
          const { rows: taken } = await tx.query(`select 1 from accounts where ${field} = $1 and id <> $2`, [
            value,
            accountId,
          ]);
          if (taken[0]) throw loginTaken(field);
          const { rows } = await tx.query<AccountRow>(
            `update accounts set ${field} = $2, updated_at = $3 where id = $1 returning *`,
            [accountId, value, this.now()],
          );
          if (!rows[0]) throw notFound('account');
          return rows[0];
        },
      );
      return toAccount(row, this.now());
    } catch (error) {
      if (isUniqueViolation(error)) throw loginTaken('contact');
      throw error;
    }
  }
}

// ---------------------------------------------------------------- organizations

export class DbOrganizationService implements OrganizationService {
  constructor(private readonly db: Database) {}

  async create(_staff: StaffActor, name: string): Promise<Organization> {
    const clean = cleanName('name', name, 200);
    const { rows } = await this.db.query<Organization>(
      'insert into organizations (name) values ($1) returning id, name',
      [clean],
    );
    return rows[0]!;
  }

  async list(): Promise<Organization[]> {
    const { rows } = await this.db.query<Organization>(
      'select id, name from organizations order by name, id',
    );
    return rows;
  }

  async get(id: string): Promise<Organization> {
    if (isUuid(id)) {
      const { rows } = await this.db.query<Organization>('select id, name from organizations where id = $1', [
        id,
      ]);
      if (rows[0]) return rows[0];
    }
    throw notFound('organization');
  }
}
