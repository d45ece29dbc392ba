import type { Config } from '../platform/config';
import type { Logger } from '../platform/logger';
import type {
  AccountService,
  BindingService,
  IdentityService,
  OrganizationService,
  StaffService,
  StaffTicketService,
  TicketService,
  TicketSweeps,
} from '../services/contracts';
import type { Database } from '../services/db/database';
import type { RetentionPurge } from '../services/retention';

/** Every domain service, built once per process over one database. */
export interface Services {
  accounts: AccountService;
  organizations: OrganizationService;
  identities: IdentityService;
  staff: StaffService;
  bindings: BindingService;
  tickets: TicketService;
  staffTickets: StaffTicketService;
  sweeps: TicketSweeps;
  /** Purge of transient rows (codes, links, sent outbox rows, ...). */
  retention: RetentionPurge;
}

/** What the composition root hands to the bot, the HTTP modules and the workers. */
export interface AppContext {
  config: Config;
  logger: Logger;
  db: Database;
  services: Services;
  /** The clock every part uses, so tests can move time. */
  now: () => Date;
}
