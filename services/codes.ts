import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { ChatOrigin } from './contracts';
import type { Database, Queryable } from './db/database';
import { DomainError, invalidInput, invalidState, rateLimited } from './errors';
import { type CodePurpose, enqueue } from './events';

/**
 * One-time codes sent by SMS or email (F2b sign-in, F11 forgot password, F13 contact change).
 * 6 digits, stored only as an HMAC with a per-row salt under a key derived from the server secret
 * (APP_SECRET), so a copy of the database alone cannot test the million candidates offline; valid
 * 10 minutes, 5 attempts, single use. A code belongs to the context that asked for it (a chat user,
 * an account): a new code for the same purpose, target and context replaces the previous one, and a
 * code is looked up, tried and counted only in its context. Sending is limited per target (phone or
 * email), across purposes and contexts: one per minute and five per hour by default.
 *
 * Error codes (DomainError.code) a caller may see:
 * - code_format (invalid_input): not 6 digits; no attempt is counted.
 * - code_not_requested (invalid_state): no code was sent for this target in this context.
 * - code_used / code_expired / code_attempts_exhausted (invalid_state): ask for a new code.
 * - wrong_code (unauthenticated): details.remainingAttempts.
 * - code_rate_limited (rate_limited): details.retryAfterSeconds.
 */
export interface CodeTarget {
  kind: 'sms' | 'email';
  /** Normalized phone (E.164) or lowercased email. */
  address: string;
}

export interface CodeRow {
  id: string;
  purpose: CodePurpose;
  target: string;
  account_id: string | null;
  code_hash: string;
  data: Record<string, unknown>;
  attempts: number;
  expires_at: Date;
  consumed_at: Date | null;
  created_at: Date;
}

export interface CodeOptions {
  ttlSeconds?: number;
  maxAttempts?: number;
  /** Smallest gap between two codes to one target. */
  minIntervalSeconds?: number;
  maxPerHour?: number;
  now?: () => Date;
  /**
   * The server secret (config APP_SECRET) the hash key is derived from. Without one (development)
   * the key is a fixed label: codes still verify across processes, but the pepper protects nothing.
   */
  secret?: string;
}

export interface IssueCodeInput {
  purpose: CodePurpose;
  target: CodeTarget;
  accountId: string | null;
  /**
   * Who asked: the chat user for a sign-in or a password reset, the account for a contact change.
   * The code belongs to that context: it verifies only there (it is bound into the hash), a new code
   * replaces only that context's previous one, and wrong attempts count against that context's code,
   * so somebody else typing codes for the same phone in another chat never burns this one.
   */
  context?: string;
  /** The chat that caused the code, told to the development panel (bot/web/dev-outbox.ts). */
  origin?: ChatOrigin;
  /** Facts the confirming step needs (e.g. the new phone of a contact change). */
  data?: Record<string, unknown>;
  locale: string;
  /**
   * A decoy for an unknown or disabled login: it is stored (so rate limits and answers look the
   * same as for a real account) but can never match, and nothing is sent.
   */
  decoy?: boolean;
}

export type CodeLookup =
  | { purpose: CodePurpose; target: string; context?: string }
  | { purpose: CodePurpose; accountId: string; context?: string };

export const originContext = (origin: ChatOrigin) => `${origin.channel}:${origin.chatUserId}`;

const ALL_PURPOSES: CodePurpose[] = ['sign_in', 'reset_password', 'contact_change'];

/** Stored as `v2:<salt hex>:<hmac hex>`; anything else (an older format) never matches. */
const FORMAT = 'v2';

function codeKey(secret: string | undefined): Buffer {
  return createHmac('sha256', secret ?? 'no server secret')
    .update('helpdesk one-time codes v2')
    .digest();
}

function hashCode(key: Buffer, code: string, context: string, salt: Buffer): Buffer {
  return createHmac('sha256', key).update(salt).update(`\n${context}\n${code}`).digest();
}

function encode(key: Buffer, code: string, context: string): string {
  const salt = randomBytes(16);
  return `${FORMAT}:${salt.toString('hex')}:${hashCode(key, code, context, salt).toString('hex')}`;
}

/** The context a code belongs to, as stored: keyed, so the table does not list chat user ids. */
function contextKey(key: Buffer, context: string): string {
  return createHmac('sha256', key).update(`context\n${context}`).digest('hex').slice(0, 32);
}

function matches(key: Buffer, code: string, context: string, stored: string): boolean {
  const [format, saltHex, hashHex] = stored.split(':');
  if (format !== FORMAT || !saltHex || !hashHex) return false;
  const expected = Buffer.from(hashHex, 'hex');
  const actual = hashCode(key, code, context, Buffer.from(saltHex, 'hex'));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export class CodeService {
  readonly ttlSeconds: number;
  readonly maxAttempts: number;
  private readonly minInterval: number;
  private readonly maxPerHour: number;
  private readonly now: () => Date;
  private readonly key: Buffer;

  constructor(
    private readonly db: Database,
    options: CodeOptions = {},
  ) {
    this.key = codeKey(options.secret);
    this.ttlSeconds = options.ttlSeconds ?? 600;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.minInterval = options.minIntervalSeconds ?? 60;
    this.maxPerHour = options.maxPerHour ?? 5;
    this.now = options.now ?? (() => new Date());
  }

  /** Stores a new code (replacing this context's pending one) and announces it, in one transaction. */
  async issue(input: IssueCodeInput): Promise<void> {
    const now = this.now();
    const address = input.target.address;
    const context = input.context ?? '';
    const owner = contextKey(this.key, context);
    await this.db.transaction(async (tx) => {
      // Serializes sends to one target, so two concurrent requests cannot both pass the limit.
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`code:${address}`]);
      await this.checkRate(tx, address, now);
      await tx.query(
        `update verification_codes set consumed_at = $4
         where purpose = $1 and target = $2 and context_key = $3 and consumed_at is null`,
        [input.purpose, address, owner, now],
      );
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      // A decoy hashes 32 random bytes: no 6-digit code can ever match it.
      const stored = input.decoy
        ? encode(this.key, randomBytes(32).toString('hex'), '')
        : encode(this.key, code, context);
      await tx.query(
        `insert into verification_codes (purpose, target, context_key, account_id, code_hash, data, expires_at,
                                         created_at)
         values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)`,
        [
          input.purpose,
          address,
          owner,
          input.accountId,
          stored,
          JSON.stringify(input.data ?? {}),
          new Date(now.getTime() + this.ttlSeconds * 1000),
          now,
        ],
      );
      if (!input.decoy) {
        await enqueue(tx, {
          topic: 'code.requested',
          purpose: input.purpose,
          target: { kind: input.target.kind, address },
          locale: input.locale,
          ...(input.origin ? { origin: input.origin } : {}),
          secret: { code },
        });
      }
    });
  }

  private async checkRate(tx: Queryable, address: string, now: Date): Promise<void> {
    const hourAgo = new Date(now.getTime() - 3600_000);
    const { rows } = await tx.query<{ n: number; first: Date | null; last: Date | null }>(
      `select count(*)::int as n, min(created_at) as first, max(created_at) as last from verification_codes
       where purpose = any($1::text[]) and target = $2 and created_at > $3`,
      [ALL_PURPOSES, address, hourAgo],
    );
    const { n, first, last } = rows[0]!;
    let wait = 0;
    if (last) wait = Math.max(wait, last.getTime() + this.minInterval * 1000 - now.getTime());
    if (first && n >= this.maxPerHour) wait = Math.max(wait, first.getTime() + 3600_000 - now.getTime());
    if (wait > 0) throw rateLimited('code_rate_limited', Math.ceil(wait / 1000));
  }

  /**
   * Checks `code` against the newest code for the lookup. On a match the code is used up and
   * `apply` runs in the same transaction (so the change and the use of the code commit together);
   * a wrong code counts an attempt, committed even though the call then throws.
   */
  async consume<T>(
    lookup: CodeLookup,
    code: string,
    apply: (tx: Queryable, row: CodeRow) => Promise<T>,
  ): Promise<T> {
    const typed = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(typed)) throw invalidInput('code', 'code_format', 'a code has 6 digits');
    const now = this.now();
    const context = lookup.context ?? '';
    const outcome = await this.db.transaction(async (tx): Promise<{ value: T } | { error: DomainError }> => {
      const where = 'target' in lookup ? 'target = $2' : 'account_id = $2';
      const key = 'target' in lookup ? lookup.target : lookup.accountId;
      // Only this context's code: another chat's attempts for the same phone never touch it.
      const { rows } = await tx.query<CodeRow>(
        `select * from verification_codes where purpose = $1 and ${where} and context_key = $3
         order by created_at desc, id limit 1 for update`,
        [lookup.purpose, key, contextKey(this.key, context)],
      );
      const row = rows[0];
      if (!row) return { error: invalidState('code_not_requested', 'no code was sent') };
      if (row.consumed_at) return { error: invalidState('code_used', 'the code was already used') };
      if (row.expires_at <= now) return { error: invalidState('code_expired', 'the code has expired') };
      if (row.attempts >= this.maxAttempts) {
        return { error: invalidState('code_attempts_exhausted', 'too many wrong codes: request a new one') };
      }
      if (!matches(this.key, typed, context, row.code_hash)) {
        await tx.query('update verification_codes set attempts = attempts + 1 where id = $1', [row.id]);
        const remainingAttempts = this.maxAttempts - row.attempts - 1;
        return {
          error: new DomainError('unauthenticated', 'wrong_code', 'the code does not match', {
            remainingAttempts,
          }),
        };
      }
      await tx.query('update verification_codes set consumed_at = $2 where id = $1', [row.id, now]);
      return { value: await apply(tx, row) };
    });
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }
}
