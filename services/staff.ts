import { createHash, randomBytes } from 'node:crypto';
import type { Staff, StaffActor, StaffService } from './contracts';
import { type Database, isUniqueViolation } from './db/database';
import { DomainError, forbidden, invalidInput, notFound } from './errors';
import { cleanName, isUuid } from './identities';

/**
 * The staff directory (S1) and staff API tokens. Admins manage the directory and anyone's tokens;
 * an agent may edit their own contact and alert settings (not role or active) and their own tokens.
 * A token is `hd_` + 32 random bytes (base64url): the prefix lets secret scanners and people spot
 * it; only its sha256 is stored.
 *
 * Error codes: admin_required / not_your_token (forbidden), staff_not_found / token_not_found,
 * wecom_user_id_taken / teams_user_id_taken (conflict), invalid_role / invalid_email (invalid_input),
 * staff_inactive (invalid_state: no token for an inactive member).
 */

export const TOKEN_PREFIX = 'hd_';
const TOKEN_PATTERN = /^hd_[A-Za-z0-9_-]{43}$/;
/** last_used_at is informative: writing it at most once a minute keeps busy tokens off the write path. */
const LAST_USED_GRANULARITY_MS = 60_000;

interface StaffRow {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  role: 'agent' | 'admin';
  wecom_user_id: string | null;
  teams_user_id: string | null;
  alert_new_ticket: boolean;
  alert_rating: boolean;
  active: boolean;
}

function toStaff(row: StaffRow): Staff {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    role: row.role,
    wecomUserId: row.wecom_user_id,
    teamsUserId: row.teams_user_id,
    alertNewTicket: row.alert_new_ticket,
    alertRating: row.alert_rating,
    active: row.active,
  };
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

type Editable = Partial<Omit<Staff, 'id'>>;

const COLUMNS: Record<keyof Editable, string> = {
  name: 'name',
  email: 'email',
  phone: 'phone',
  role: 'role',
  wecomUserId: 'wecom_user_id',
  teamsUserId: 'teams_user_id',
  alertNewTicket: 'alert_new_ticket',
  alertRating: 'alert_rating',
  active: 'active',
};

/** What an agent may change on their own entry. */
const SELF_EDITABLE: ReadonlySet<keyof Editable> = new Set([
  'name',
  'email',
  'phone',
  'wecomUserId',
  'teamsUserId',
  'alertNewTicket',
  'alertRating',
]);

function optionalText(field: string, value: unknown, max = 200): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw invalidInput(field, `invalid_${field}`, `${field} must be text`);
  const text = value.trim();
  if (text.length > max) throw invalidInput(field, `${field}_too_long`, `${field} is too long`);
  return text === '' ? null : text;
}

/** Validates one field and returns its column value. */
function columnValue(key: keyof Editable, value: unknown): unknown {
  switch (key) {
    case 'name':
      return cleanName('name', value as string);
    case 'role':
      if (value !== 'agent' && value !== 'admin')
        throw invalidInput('role', 'invalid_role', 'agent or admin');
      return value;
    case 'email': {
      const email = optionalText('email', value, 254)?.toLowerCase() ?? null;
      if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
        throw invalidInput('email', 'invalid_email', 'not an email address');
      }
      return email;
    }
    case 'phone':
    case 'wecomUserId':
    case 'teamsUserId':
      return optionalText(key, value);
    default:
      if (typeof value !== 'boolean')
        throw invalidInput(key, `invalid_${key}`, `${key} must be true or false`);
      return value;
  }
}

function duplicate(error: unknown): DomainError | undefined {
  if (isUniqueViolation(error, 'wecom_user_id')) {
    return new DomainError('conflict', 'wecom_user_id_taken', 'another staff member has this WeCom user id', {
      field: 'wecomUserId',
    });
  }
  if (isUniqueViolation(error, 'teams_user_id')) {
    return new DomainError('conflict', 'teams_user_id_taken', 'another staff member has this Teams id', {
      field: 'teamsUserId',
    });
  }
  return undefined;
}

const requireAdmin = (actor: StaffActor) => {
  if (actor.role !== 'admin') throw forbidden('admin_required', 'only an admin may do this');
};

export interface StaffOptions {
  now?: () => Date;
}

export class DbStaffService implements StaffService {
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    options: StaffOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async create(
    actor: StaffActor,
    input: Omit<Staff, 'id' | 'active'> & { active?: boolean },
  ): Promise<Staff> {
    requireAdmin(actor);
    const full: Required<Editable> = { ...input, active: input.active ?? true };
    const keys = Object.keys(COLUMNS) as (keyof Editable)[];
    const values = keys.map((key) => columnValue(key, full[key] ?? (key.startsWith('alert') ? true : null)));
    try {
      const { rows } = await this.db.query<StaffRow>(
        `insert into staff (${keys.map((k) => COLUMNS[k]).join(', ')})
         values (${keys.map((_, i) => `$${i + 1}`).join(', ')}) returning *`,
        values,
      );
      return toStaff(rows[0]!);
    } catch (error) {
      throw duplicate(error) ?? error;
    }
  }

  async update(actor: StaffActor, staffId: string, changes: Editable): Promise<Staff> {
    const keys = (Object.keys(changes) as (keyof Editable)[]).filter(
      (key) => key in COLUMNS && changes[key] !== undefined,
    );
    if (
      actor.role !== 'admin' &&
      (actor.staffId !== staffId || keys.some((key) => !SELF_EDITABLE.has(key)))
    ) {
      throw forbidden('admin_required', 'only an admin may do this');
    }
    if (keys.length === 0) return this.get(staffId);
    const values = keys.map((key) => columnValue(key, changes[key]));
    if (!isUuid(staffId)) throw notFound('staff');
    try {
      const { rows } = await this.db.query<StaffRow>(
        `update staff set ${keys.map((k, i) => `${COLUMNS[k]} = $${i + 2}`).join(', ')} where id = $1 returning *`,
        [staffId, ...values],
      );
      if (!rows[0]) throw notFound('staff');
      return toStaff(rows[0]);
    } catch (error) {
      throw duplicate(error) ?? error;
    }
  }

  async list(): Promise<Staff[]> {
    const { rows } = await this.db.query<StaffRow>('select * from staff order by name, id');
    return rows.map(toStaff);
  }

  async get(staffId: string): Promise<Staff> {
    if (isUuid(staffId)) {
      const { rows } = await this.db.query<StaffRow>('select * from staff where id = $1', [staffId]);
      if (rows[0]) return toStaff(rows[0]);
    }
    throw notFound('staff');
  }

  /** Active members only: an inactive one neither receives alerts nor acts from chat. */
  async findByTeamsId(teamsUserId: string): Promise<Staff | undefined> {
    const { rows } = await this.db.query<StaffRow>(
      'select * from staff where teams_user_id = $1 and active',
      [teamsUserId],
    );
    return rows[0] && toStaff(rows[0]);
  }

  async findByWecomId(wecomUserId: string): Promise<Staff | undefined> {
    const { rows } = await this.db.query<StaffRow>(
      'select * from staff where wecom_user_id = $1 and active',
      [wecomUserId],
    );
    return rows[0] && toStaff(rows[0]);
  }

  async issueToken(
    actor: StaffActor | 'system',
    staffId: string,
    label = '',
  ): Promise<{ id: string; token: string }> {
    if (actor !== 'system' && actor.role !== 'admin' && actor.staffId !== staffId) {
      throw forbidden('admin_required', 'only an admin may issue tokens for others');
    }
    const member = await this.get(staffId);
    if (!member.active)
      throw new DomainError('invalid_state', 'staff_inactive', 'the staff member is inactive');
    const cleanLabel = optionalText('label', label, 100) ?? '';
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const { rows } = await this.db.query<{ id: string }>(
      'insert into staff_tokens (staff_id, token_hash, label, created_at) values ($1, $2, $3, $4) returning id',
      [staffId, sha256(token), cleanLabel, this.now()],
    );
    return { id: rows[0]!.id, token };
  }

  async revokeToken(actor: StaffActor, tokenId: string): Promise<void> {
    if (!isUuid(tokenId)) throw notFound('token');
    const { rows } = await this.db.query<{ staff_id: string }>(
      'select staff_id from staff_tokens where id = $1',
      [tokenId],
    );
    if (!rows[0]) throw notFound('token');
    if (actor.role !== 'admin' && rows[0].staff_id !== actor.staffId) {
      throw forbidden('not_your_token', 'only an admin may revoke tokens of others');
    }
    // Revoking twice keeps the first revocation time.
    await this.db.query('update staff_tokens set revoked_at = coalesce(revoked_at, $2) where id = $1', [
      tokenId,
      this.now(),
    ]);
  }

  async authenticate(token: string): Promise<StaffActor | undefined> {
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return undefined;
    const now = this.now();
    const { rows } = await this.db.query<{
      id: string;
      staff_id: string;
      role: 'agent' | 'admin';
      last_used_at: Date | null;
    }>(
      `select t.id, t.staff_id, s.role, t.last_used_at from staff_tokens t join staff s on s.id = t.staff_id
       where t.token_hash = $1 and t.revoked_at is null and s.active`,
      [sha256(token)],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() >= LAST_USED_GRANULARITY_MS) {
      await this.db.query('update staff_tokens set last_used_at = $2 where id = $1', [row.id, now]);
    }
    return { staffId: row.staff_id, role: row.role };
  }
}
