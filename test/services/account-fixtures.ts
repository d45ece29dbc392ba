import { randomInt } from 'node:crypto';
import { type AccountServicesOptions, createAccountServices } from '../../services/account-services';
import type { StaffActor } from '../../services/contracts';
import type { Database } from '../../services/db/database';
import { TEST_SCRYPT } from '../../services/passwords';

/** Shared set-up for the account-side service tests: a movable clock, fast scrypt, unique logins. */

export const ADMIN: StaffActor = { staffId: '00000000-0000-4000-8000-000000000001', role: 'admin' };

export class Clock {
  private t = Date.now();
  readonly now = () => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
}

export const MINUTE = 60_000;

export function services(db: Database, clock: Clock, options: AccountServicesOptions = {}) {
  return createAccountServices(db, { now: clock.now, scrypt: TEST_SCRYPT, ...options });
}

export type Services = ReturnType<typeof services>;

let seq = 0;
/** A mainland mobile number no other test in this process uses. */
export function uniquePhone(): string {
  seq += 1;
  return `139${String(randomInt(0, 10_000)).padStart(4, '0')}${String(seq).padStart(4, '0')}`;
}
export function uniqueEmail(): string {
  seq += 1;
  return `user${seq}.${randomInt(0, 1_000_000)}@Example.COM`;
}

export async function organization(svc: Services, name = 'Org') {
  return svc.organizations.create(ADMIN, `${name} ${randomInt(0, 1_000_000)}`);
}

/** What `openAccount({ ownPassword: true })` changes the initial password to. */
export const OWN_PASSWORD = 'Own-pass-123';

/**
 * Opens an account with `identityCount` identities and returns it with its initial password (read from
 * the outbox); with `ownPassword`, the initial password is changed first (as the customer must before
 * acting in chat) and `password` is the new one.
 */
export async function openAccount(
  db: Database,
  svc: Services,
  options: { identityCount?: number; email?: boolean; ownPassword?: boolean } = {},
) {
  const org = await organization(svc);
  const phone = uniquePhone();
  const email = options.email ? uniqueEmail() : undefined;
  const { account, identities } = await svc.accounts.open(ADMIN, {
    phone,
    email,
    name: 'Zhang San',
    identities: Array.from({ length: options.identityCount ?? 1 }, (_, i) => ({
      organizationId: org.id,
      displayName: `Contact ${i + 1}`,
    })),
  });
  let password = await initialPassword(db, account.id);
  if (options.ownPassword) {
    await svc.accounts.changePassword(account.id, password, OWN_PASSWORD);
    password = OWN_PASSWORD;
  }
  return { account, identities, password, phone: account.phone!, org };
}

export async function initialPassword(db: Database, accountId: string): Promise<string> {
  const { rows } = await db.query<{ payload: { secret: { password: string } } }>(
    `select payload from outbox where topic = 'account.credentials' and payload->>'accountId' = $1
     order by id desc limit 1`,
    [accountId],
  );
  return rows[0]!.payload.secret.password;
}

export interface CodeEvent {
  purpose: string;
  target: { kind: string; address: string };
  locale: string;
  secret: { code: string };
}

export async function codeEvents(db: Database, address: string): Promise<CodeEvent[]> {
  const { rows } = await db.query<{ payload: CodeEvent }>(
    `select payload from outbox where topic = 'code.requested' and payload->'target'->>'address' = $1 order by id`,
    [address],
  );
  return rows.map((r) => r.payload);
}

/** The code most recently sent to an address. */
export async function lastCode(db: Database, address: string): Promise<string> {
  const events = await codeEvents(db, address);
  return events.at(-1)!.secret.code;
}

/** A 6-digit code that is not `code`. */
export const otherCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

/** Runs `work` and returns the DomainError-like object it throws (fails if it resolves). */
export async function failure(
  work: Promise<unknown>,
): Promise<{ kind: string; code: string; details: Record<string, unknown> }> {
  try {
    await work;
  } catch (error) {
    return error as { kind: string; code: string; details: Record<string, unknown> };
  }
  throw new Error('expected a failure');
}
