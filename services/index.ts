import { type AccountServicesOptions, createAccountServices } from './account-services';
import type { Database } from './db/database';
import { DbRetention } from './retention';
import { DbStaffTicketService } from './staff-tickets';
import { DbTicketSweeps } from './sweeps';
import { DbTicketService } from './tickets';

export interface ServiceOptions extends AccountServicesOptions {
  categories: string[];
  ratingWindowDays: number;
  ratingReminderHours: number;
  /** RETENTION_DAYS (default 30): how long transient rows stay (services/retention.ts). */
  retentionDays?: number;
  /** ANONYMOUS_RETENTION_DAYS (default 7): idle chat users not signed in, unsent uploads. */
  anonymousRetentionDays?: number;
  now: () => Date;
}

/** Every domain service over one database: what the composition root hands to the bot, the API and the workers. */
export function createServices(db: Database, options: ServiceOptions) {
  const { now, categories, ratingWindowDays, ratingReminderHours, retentionDays, anonymousRetentionDays } =
    options;
  const accountSide = createAccountServices(db, options);
  return {
    accounts: accountSide.accounts,
    organizations: accountSide.organizations,
    identities: accountSide.identities,
    staff: accountSide.staff,
    bindings: accountSide.bindings,
    tickets: new DbTicketService(db, { categories, ratingWindowDays, now }),
    staffTickets: new DbStaffTicketService(db, { ratingWindowDays, now }),
    sweeps: new DbTicketSweeps(db, { ratingWindowDays, ratingReminderHours, now }),
    retention: new DbRetention(db, { retentionDays, anonymousDays: anonymousRetentionDays, now }),
  };
}
