import { DbAccountService, DbOrganizationService } from './accounts';
import { DbBindingService } from './bindings';
import { type CodeOptions, CodeService } from './codes';
import type { Database } from './db/database';
import { DbIdentityService } from './identities';
import { DEFAULT_SCRYPT, PasswordHasher, type ScryptParams } from './passwords';
import { DbStaffService } from './staff';

export interface AccountServicesOptions {
  /** The clock for expiry and lockouts (tests move it). */
  now?: () => Date;
  /** Strong by default; tests pass TEST_SCRYPT to stay fast. */
  scrypt?: ScryptParams;
  codes?: Omit<CodeOptions, 'now'>;
  maxFailedSignIns?: number;
  lockMinutes?: number;
  webTokenMinutes?: number;
}

/** The account side of the domain (accounts, organizations, identities, staff, bindings) over one database. */
export function createAccountServices(db: Database, options: AccountServicesOptions = {}) {
  const now = options.now ?? (() => new Date());
  const hasher = new PasswordHasher(options.scrypt ?? DEFAULT_SCRYPT);
  const codes = new CodeService(db, { ...options.codes, now });
  const accounts = new DbAccountService(db, {
    hasher,
    codes,
    maxFailedSignIns: options.maxFailedSignIns,
    lockMinutes: options.lockMinutes,
    now,
  });
  return {
    accounts,
    organizations: new DbOrganizationService(db),
    identities: new DbIdentityService(db, { now }),
    staff: new DbStaffService(db, { now }),
    bindings: new DbBindingService(db, { accounts, codes, webTokenMinutes: options.webTokenMinutes, now }),
    codes,
    hasher,
  };
}

export type AccountServices = ReturnType<typeof createAccountServices>;
